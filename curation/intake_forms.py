"""Forms of the triage inbox and of watched searches (kept apart from the evidence forms)."""

from __future__ import annotations

from django import forms

from papers.models import IntakeItem, Therapy, WatchedSearch

DECISIONS = [
    (IntakeItem.Status.RELEVANT, "Relevant"),
    (IntakeItem.Status.NOT_RELEVANT, "Not relevant"),
    (IntakeItem.Status.DUPLICATE, "Duplicate"),
]


class TriageForm(forms.Form):
    """One decision: relevant to therapies, not relevant for a reason, or a duplicate."""

    decision = forms.ChoiceField(choices=DECISIONS)
    therapies = forms.ModelMultipleChoiceField(
        queryset=Therapy.objects.order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.ChoiceField(
        choices=[("", "— reason —"), *IntakeItem.Reason.choices], required=False
    )

    def clean(self) -> dict:
        data = super().clean()
        decision = data.get("decision")
        if decision == IntakeItem.Status.RELEVANT and not data.get("therapies"):
            self.add_error("therapies", "Choose the therapy (or therapies) it is relevant to.")
        if decision == IntakeItem.Status.NOT_RELEVANT and not data.get("reason"):
            self.add_error("reason", "Choose why it is not relevant.")
        return data


class BulkTriageForm(TriageForm):
    """The same decision for every ticked item."""

    items = forms.ModelMultipleChoiceField(
        queryset=IntakeItem.objects.all(),
        error_messages={"required": "Tick the papers the decision is for."},
    )


class WatchedSearchForm(forms.ModelForm):
    class Meta:
        model = WatchedSearch
        fields = ["therapy", "name", "query", "start_date", "active"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}
