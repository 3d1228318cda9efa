"""Views of the curator workspace: thin, each validates a form and calls one workflow function."""
