"""Forms that validate the query strings of the public pages."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import forms

from papers.models import Therapy
from papers.search.query import PUBLICATION_TYPES

MAX_QUERY_LENGTH = 300
# PubMed holds nothing older; a year past next year is a typo, not an in-press paper.
EARLIEST_YEAR = 1800


def latest_year() -> int:
    """Return the latest publication year a filter accepts: next year (papers in press)."""
    return dt.date.today().year + 1


class YearFilterForm(forms.Form):
    """The optional ``?year=`` filter of a therapy's paper list."""

    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)


class SearchForm(forms.Form):
    """Validate the search page's query string; every field is optional."""

    SORT_CHOICES = [("relevance", "relevance"), ("newest", "newest first")]
    RETRACTED_CHOICES = [
        ("", "include retracted papers"),
        ("only", "retracted papers only"),
        ("exclude", "exclude retracted papers"),
    ]

    q = forms.CharField(label="Search", required=False, strip=True)
    therapy = forms.ModelChoiceField(
        queryset=Therapy.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="any therapy",
        error_messages={"invalid_choice": "There is no therapy with that name."},
    )
    year_from = forms.IntegerField(label="From year", required=False)
    year_to = forms.IntegerField(label="To year", required=False)
    publication_type = forms.ChoiceField(
        label="Publication type",
        required=False,
        choices=[("", "any type"), *((value, value) for value in PUBLICATION_TYPES)],
        error_messages={"invalid_choice": "“%(value)s” is not a publication type we filter on."},
    )
    journal = forms.CharField(
        label="Journal",
        required=False,
        max_length=300,
        help_text="Full title or abbreviation, e.g. “Nat Rev Neurol”.",
    )
    cited_by_review = forms.BooleanField(label="Cited by the review", required=False)
    has_notes = forms.BooleanField(label="Cited by evidence notes", required=False)
    retracted = forms.ChoiceField(label="Retracted", required=False, choices=RETRACTED_CHOICES)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = _without_control_characters(data)
        super().__init__(data, *args, **kwargs)
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update(min=EARLIEST_YEAR, max=latest_year())

    def _clean_year(self, name: str) -> int | None:
        year = self.cleaned_data[name]
        if year is not None and not EARLIEST_YEAR <= year <= latest_year():
            label = self.fields[name].label
            raise forms.ValidationError(
                f"“{label}” must be a year from {EARLIEST_YEAR} to {latest_year()}."
            )
        return year

    def clean_year_from(self) -> int | None:
        return self._clean_year("year_from")

    def clean_year_to(self) -> int | None:
        return self._clean_year("year_to")

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        if len(query) > MAX_QUERY_LENGTH:
            raise forms.ValidationError(
                f"Search terms are limited to {MAX_QUERY_LENGTH} characters "
                f"(this one has {len(query)})."
            )
        return query

    def clean_journal(self) -> str:
        return " ".join(self.cleaned_data["journal"].split())

    def clean(self) -> dict:
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_to", "“To year” must not be before “From year”.")
        return cleaned

    @property
    def has_criteria(self) -> bool:
        """Return whether the valid form asks for anything (a query or any filter)."""
        fields = ("q", "therapy", "year_from", "year_to", "publication_type", "journal")
        flags = ("cited_by_review", "has_notes", "retracted")
        return any(self.cleaned_data.get(name) not in (None, "") for name in fields) or any(
            self.cleaned_data.get(name) for name in flags
        )


def _without_control_characters(data):
    """Return a copy of ``data`` with NUL and other control characters removed from values.

    PostgreSQL text cannot hold NUL at all, and no other control character means anything in
    a search, so they are dropped rather than reported.
    """
    cleaned = data.copy()
    for key in list(cleaned.keys()):
        cleaned.setlist(
            key,
            [
                "".join(ch for ch in value if ch in "\t\n" or unicodedata.category(ch) != "Cc")
                for value in data.getlist(key)
            ],
        )
    return cleaned
