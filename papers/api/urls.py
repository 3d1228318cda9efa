"""The API's one URL configuration: /api/v1/ endpoints, /api/schema/ and /api/docs/.

Names carry the ``api:`` prefix (``api:paper-list``, ``api:paper-detail``, ``api:search``).
A new endpoint goes into the router (a viewset) or into ``v1_patterns`` (a plain view).
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from papers.api import docs, views

app_name = "api"

router = DefaultRouter()
router.register("therapies", views.TherapyViewSet, basename="therapy")
router.register("evidence-items", views.EvidenceItemViewSet, basename="evidence-item")
router.register("papers", views.PaperViewSet, basename="paper")
router.register("changes", views.PaperChangeViewSet, basename="change")
router.register("refresh-jobs", views.RefreshJobViewSet, basename="refresh-job")

# Plain (non-viewset) endpoints under /api/v1/: add new ones here.
v1_patterns = [
    path("search/", views.SearchView.as_view(), name="search"),
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
]
