"""The API's endpoints: read-only lists and records, and search.

Each list reads a page in a fixed number of queries (select_related / prefetch decided once in
its queryset), whatever the page size; tests/api guards the counts.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from papers.api import filters, serializers
from papers.api.conditional import ConditionalGetMixin
from papers.api.pagination import SearchCursorPagination
from papers.models import (
    Citation,
    EvidenceNote,
    Paper,
    PaperChange,
    PivotalTrial,
    ReconstitutionPoint,
    RefreshBatch,
    RefreshJob,
    Therapy,
)
from papers.search.query import COUNT_CAP, search_papers
from papers.views.forms import SearchForm


def paper_refs() -> QuerySet:
    """Return papers as cited from other records: the journal joined, the large fields left."""
    return Paper.objects.without_large_fields().select_related("journal")


def therapies_with_details() -> QuerySet:
    """Return therapies with their trials and reconstitution points (and those papers)."""
    return Therapy.objects.prefetch_related(
        Prefetch(
            "pivotal_trials",
            queryset=PivotalTrial.objects.select_related("paper__journal")
            .defer("paper__abstract", "paper__search_vector")
            .order_by("position", "pk"),
        ),
        Prefetch(
            "reconstitution_points",
            queryset=ReconstitutionPoint.objects.select_related("source__journal")
            .defer("source__abstract", "source__search_vector")
            .order_by("position", "pk"),
        ),
    )


def published_evidence() -> QuerySet:
    """Return the published evidence items with their therapy and cited papers."""
    return (
        EvidenceNote.objects.published()
        .select_related("therapy")
        .prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("paper__journal")
                .defer("paper__abstract", "paper__search_vector")
                .order_by("position", "pk"),
            )
        )
    )


class ReadOnlyViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and record with validators and 304s (papers/api/conditional.py)."""

    lookup_value_regex = "[0-9]+"


class TherapyViewSet(ReadOnlyViewSet):
    """The therapies, each with its pivotal trials and immune reconstitution points."""

    serializer_class = serializers.TherapySerializer
    filterset_class = filters.TherapyFilter
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    cursor_ordering = ("position", "id")

    def get_queryset(self) -> QuerySet:
        return therapies_with_details()


class EvidenceItemViewSet(ReadOnlyViewSet):
    """Published evidence items with the papers they cite."""

    serializer_class = serializers.EvidenceItemSerializer
    filterset_class = filters.EvidenceItemFilter

    def get_queryset(self) -> QuerySet:
        return published_evidence()

    def modified_at(self, obj: EvidenceNote) -> dt.datetime | None:
        return obj.updated_at


class PaperViewSet(ReadOnlyViewSet):
    """Papers with their bibliographic metadata; one paper adds abstract, MeSH and errata."""

    filterset_class = filters.PaperFilter

    def get_queryset(self) -> QuerySet:
        if self.action == "retrieve":
            return Paper.objects.with_detail()
        return Paper.objects.with_listing().without_large_fields()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PaperDetailSerializer
        return serializers.PaperSerializer

    def modified_at(self, obj: Paper) -> dt.datetime | None:
        return max(filter(None, (obj.created_at, obj.changed_at, obj.last_fetched_at)))


class PaperChangeViewSet(ReadOnlyViewSet):
    """The change log: every field a PubMed refresh changed, newest first."""

    serializer_class = serializers.PaperChangeSerializer
    filterset_class = filters.PaperChangeFilter
    cursor_ordering = "-id"

    def get_queryset(self) -> QuerySet:
        return PaperChange.objects.select_related("paper__journal").defer(
            "paper__abstract", "paper__search_vector"
        )

    def modified_at(self, obj: PaperChange) -> dt.datetime | None:
        return obj.changed_at


class RefreshJobViewSet(ReadOnlyViewSet):
    """PubMed import and refresh runs, newest first (staff only)."""

    serializer_class = serializers.RefreshJobSerializer
    filterset_class = filters.RefreshJobFilter
    permission_classes = [permissions.IsAdminUser]
    cursor_ordering = "-id"

    def get_queryset(self) -> QuerySet:
        # The batches' errors in one query for the page, not one per job (identifier_errors).
        error_batches = Prefetch(
            "batches",
            queryset=RefreshBatch.objects.exclude(errors={}).only("job_id", "index", "errors"),
            to_attr="error_batches",
        )
        return RefreshJob.objects.select_related("requested_by").prefetch_related(error_batches)

    def modified_at(self, obj: RefreshJob) -> dt.datetime | None:
        # A running job's progress changes without a timestamp: only a finished one has a date.
        return obj.finished_at if obj.is_finished else None


def _search_parameters() -> list[OpenApiParameter]:
    """Return the search page's form fields as OpenAPI query parameters (kept in step)."""
    parameters = []
    for name, field in SearchForm.base_fields.items():
        extra: dict = {}
        if isinstance(field, forms.BooleanField):
            kind = bool
        elif isinstance(field, forms.IntegerField):
            kind = int
        else:
            kind = str
            if isinstance(field, forms.ModelChoiceField):
                extra["description"] = "A therapy's slug, e.g. alemtuzumab."
            elif isinstance(field, forms.ChoiceField):
                extra["enum"] = [value for value, _ in field.choices if value]
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                description=extra.get("description") or str(field.help_text or field.label),
                enum=extra.get("enum"),
            )
        )
    return [
        *parameters,
        OpenApiParameter("cursor", str, description="The pagination cursor value."),
        OpenApiParameter("page_size", int, description="Results per page (at most 200)."),
    ]


class SearchView(ConditionalGetMixin, GenericAPIView):
    """Search papers with the search page's query language and filters."""

    serializer_class = serializers.SearchResultSerializer
    pagination_class = SearchCursorPagination
    filter_backends: list = []

    @extend_schema(
        parameters=_search_parameters(),
        responses=serializers.SearchPageSerializer,
        description=(
            'The query language of the search page: words, "quoted phrases", -exclusions, '
            "or. At least a query or one filter is needed. Results are ranked by relevance "
            f"(or newest first with sort=newest); count stops at {COUNT_CAP + 1}."
        ),
    )
    def get(self, request: Request) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        if not form.has_criteria:
            raise ValidationError({"q": ["Give a query (q) or at least one filter."]})
        outcome = search_papers(form.cleaned_data)
        total = outcome.count()
        papers = outcome.ordered(total).with_listing().without_large_fields()
        page = self.paginate_queryset(papers)
        data = self.get_serializer(page, many=True).data
        return self.paginator.get_paginated_response(
            data,
            count=min(total, COUNT_CAP + 1),
            count_is_capped=total > COUNT_CAP,
            ranks_a_window=outcome.ranks_a_window(total),
        )
