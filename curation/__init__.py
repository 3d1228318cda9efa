"""The curator workspace: writing evidence items, two-person review, history and activity."""
