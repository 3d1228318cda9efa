"""Views of the public pages (server-rendered templates)."""
