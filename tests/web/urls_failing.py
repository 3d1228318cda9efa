"""The project's URLs plus one view that fails, to exercise the 500 page."""

from __future__ import annotations

from django.urls import path

from irtkb.urls import urlpatterns as project_urlpatterns


def failing_view(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("fail/", failing_view), *project_urlpatterns]
