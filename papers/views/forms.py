"""Forms that validate the query strings of the public pages."""

from __future__ import annotations

from django import forms


class YearFilterForm(forms.Form):
    """The optional ``?year=`` filter of a therapy's paper list."""

    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)
