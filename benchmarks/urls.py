"""The production URLconf plus /bench/bare/: the cheapest response Django can serve."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """Return a fixed small page: the floor the real pages are measured against."""
    return HttpResponse("<!doctype html><title>bare</title><p>ok</p>")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("irtkb.urls")),
]
