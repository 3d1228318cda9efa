"""The query parameters of each list, validated by django-filter (a bad value is a 400)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet

from papers.models import EvidenceNote, Paper, PaperChange, RefreshJob, Therapy
from papers.pubmed import strip_doi_prefix
from papers.search.query import PUBLICATION_TYPES

# PostgreSQL's bigint, the PMID column's type: larger values cannot be a PMID.
MAX_BIGINT = 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC here.

    PostgreSQL refuses offsets it cannot represent (beyond ±15:59) with an error, so the
    conversion is done, and refused with a 400, before the value reaches the database.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Enter a date and time PostgreSQL can hold.") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


def _therapy_choice(**kwargs) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Therapy.objects.all(),
        to_field_name="slug",
        help_text="A therapy's slug, e.g. alemtuzumab.",
        **kwargs,
    )


class TherapyFilter(django_filters.FilterSet):
    regimen = django_filters.ChoiceFilter(choices=Therapy.Regimen.choices)
    irt_standing = django_filters.ChoiceFilter(choices=Therapy.IrtStanding.choices)

    class Meta:
        model = Therapy
        fields = ["regimen", "irt_standing"]


class PaperFilter(django_filters.FilterSet):
    pmid = IntegerFilter(min_value=1, max_value=MAX_BIGINT, help_text="PubMed ID.")
    doi = django_filters.CharFilter(
        method="filter_doi", help_text="A DOI, with or without https://doi.org/; any case."
    )
    pmcid = django_filters.CharFilter(
        method="filter_pmcid", help_text="A PubMed Central ID, with or without PMC."
    )
    therapy = _therapy_choice(
        method="filter_therapy",
        label="therapy",
    )
    year = IntegerFilter(field_name="pub_year", min_value=1800, max_value=2100)
    year_from = IntegerFilter(
        field_name="pub_year", lookup_expr="gte", min_value=1800, max_value=2100
    )
    year_to = IntegerFilter(
        field_name="pub_year", lookup_expr="lte", min_value=1800, max_value=2100
    )
    publication_type = django_filters.ChoiceFilter(
        choices=[(value, value) for value in PUBLICATION_TYPES],
        method="filter_publication_type",
        help_text="One of PubMed's publication types.",
    )
    retracted = django_filters.BooleanFilter(field_name="is_retracted")

    class Meta:
        model = Paper
        fields: list[str] = []

    def filter_doi(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # doi_key is the DOI as compared for duplicates: no prefix, trimmed, lower case.
        return queryset.filter(doi_key=strip_doi_prefix(value).lower())

    def filter_pmcid(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        if value.isdigit():
            value = "PMC" + value
        return queryset.filter(pmcid__iexact=value)

    def filter_therapy(self, queryset: QuerySet, name: str, value: Therapy) -> QuerySet:
        return queryset.tied_to_therapy(value)

    def filter_publication_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(publication_types__contains=[value])


class EvidenceItemFilter(django_filters.FilterSet):
    therapy = _therapy_choice(field_name="therapy")
    note_type = django_filters.ChoiceFilter(choices=EvidenceNote.NoteType.choices)
    needs_review = django_filters.BooleanFilter()
    pmid = IntegerFilter(
        field_name="papers__pmid",
        min_value=1,
        max_value=MAX_BIGINT,
        help_text="Items citing the paper with this PMID.",
    )
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = EvidenceNote
        fields: list[str] = []


class PaperChangeFilter(django_filters.FilterSet):
    pmid = IntegerFilter(field_name="paper__pmid", min_value=1, max_value=MAX_BIGINT)
    field = django_filters.CharFilter(help_text="The changed field, e.g. title.")
    since = UtcDateTimeFilter(field_name="changed_at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="changed_at", lookup_expr="lt")

    class Meta:
        model = PaperChange
        fields: list[str] = []


class RefreshJobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RefreshJob.Status.choices)
    kind = django_filters.ChoiceFilter(choices=RefreshJob.Kind.choices)

    class Meta:
        model = RefreshJob
        fields: list[str] = []
