"""No models of its own: users and groups are Django's, failed logins django-axes'.

The module exists so that Django sends this app post_migrate (it skips apps without one),
which recreates the role groups after a flush (accounts/groups.py).
"""
