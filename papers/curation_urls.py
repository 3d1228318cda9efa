"""URLs of the curator workspace under /curate/. Names carry the ``curation:`` prefix."""

from django.urls import path

from papers.views import duplicates

app_name = "curation"

urlpatterns: list = [
    path("duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("duplicates/merge/", duplicates.merge_duplicate, name="duplicates-merge"),
]
