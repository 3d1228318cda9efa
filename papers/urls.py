"""URLs of the public pages. Names carry the ``papers:`` prefix."""

from django.urls import path  # noqa: F401

app_name = "papers"

urlpatterns: list = []
