"""Forms of the curator workspace. Each one checks what a person typed and says, next to the
field, what is wrong; nothing typed is ever dropped from a form that comes back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MinValueValidator

from curation.identifiers import Identifier, IdentifierError, parse_identifier
from curation.workflow import CONTENT_FIELDS, CitationInput, ItemContent, citation_problems
from papers.models import EvidenceNote, Paper, Therapy
from papers.models.evidence import STATEMENT_MAX_LENGTH


class MarkdownField(forms.CharField):
    """A statement: line endings made "\\n" before counting, and no browser-side length cap
    (a browser's maxlength would cut a pasted text short without saying so)."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def widget_attrs(self, widget: forms.Widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


@dataclass
class CitationRow:
    """One cited paper as the form shows it: the paper, the quote typed, and any problem."""

    paper_id: int
    quote: str = ""
    paper: Paper | None = None
    error: str = ""
    job_id: int | None = None


class ItemForm(forms.ModelForm):
    """The content of an evidence item, with its citations read from ``cited`` / ``quote-<id>``.

    Citations are plain repeated inputs rather than a formset, so the picker can add a row
    with one htmx swap and no counter to keep in step.
    """

    statement = MarkdownField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=STATEMENT_MAX_LENGTH,
        help_text="Markdown: *emphasis*, **strong**, lists, [links](https://…). Up to 5,000 "
        "characters.",
        error_messages={
            "required": "Write the statement: what the cited papers show.",
            "max_length": "The statement has %(show_value)s characters; the limit is "
            "%(limit_value)s. Shorten it or split it into two items.",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reverted_from = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    class Meta:
        model = EvidenceNote
        fields = CONTENT_FIELDS
        labels = {
            "note_type": "Evidence type",
            "population_size": "Number of patients",
            "follow_up_unit": "Follow-up unit",
            "outcome_comparator": "Comparator",
        }
        error_messages = {
            "therapy": {"required": "Choose the therapy this item is about."},
            "note_type": {"required": "Choose the evidence type."},
        }

    def __init__(self, *args: Any, citations: list[CitationRow] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["therapy"].queryset = Therapy.objects.order_by("position", "name")
        self.fields["therapy"].empty_label = "Choose a therapy"
        self.fields["note_type"].choices = [("", "Choose a type"), *EvidenceNote.NoteType.choices]
        self.fields["population_size"].validators.append(
            MinValueValidator(1, "A study has at least one patient.")
        )
        for name in ("study_design", "direction", "population_phenotype", "follow_up_unit"):
            field = self.fields[name]
            field.choices = [("", "not recorded"), *[c for c in field.choices if c[0]]]
        self.citation_rows = citations if citations is not None else self._rows_from_data()
        self.citation_errors: dict[int, str] = {}

    def _rows_from_data(self) -> list[CitationRow]:
        if not self.is_bound:
            return []
        rows: list[CitationRow] = []
        for value in self.data.getlist("cited"):
            if not str(value).isdigit():
                continue  # not a paper id this form ever wrote
            pk = int(value)
            if self.data.get(f"remove-{pk}"):
                continue
            quote = " ".join(self.data.get(f"quote-{pk}", "").split())
            job = self.data.get(f"job-{pk}", "")
            rows.append(CitationRow(pk, quote, job_id=int(job) if job.isdigit() else None))
        return rows

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_outcome(cleaned)
        self._check_follow_up(cleaned)
        self.citation_errors = citation_problems(
            [CitationInput(row.paper_id, row.quote) for row in self.citation_rows]
        )
        for row in self.citation_rows:
            row.error = self.citation_errors.get(row.paper_id, "")
        if self.citation_errors:
            self.add_error(None, "Some citations need attention: see the messages under them.")
        return cleaned

    def _check_outcome(self, cleaned: dict) -> None:
        value, low, high = (
            cleaned.get(k) for k in ("outcome_value", "outcome_ci_low", "outcome_ci_high")
        )
        measure = cleaned.get("outcome_measure")
        given = [cleaned.get("outcome_comparator"), value, low, high, measure]
        if any(v not in (None, "") for v in given):
            if not measure:
                self.add_error(
                    "outcome_measure", "Name the measure (e.g. hazard ratio for relapse)."
                )
            if value is None:
                self.add_error("outcome_value", "Give the value the paper reports for the measure.")
        if (low is None) != (high is None):
            self.add_error(
                "outcome_ci_high" if high is None else "outcome_ci_low",
                "Give both bounds of the confidence interval, or neither.",
            )
        elif low is not None and high is not None:
            if low > high:
                self.add_error("outcome_ci_low", "The lower bound is above the upper bound.")
            elif value is not None and not low <= value <= high:
                self.add_error("outcome_value", "The value lies outside its confidence interval.")

    def _check_follow_up(self, cleaned: dict) -> None:
        value, unit = cleaned.get("follow_up_value"), cleaned.get("follow_up_unit")
        if value is not None and not unit:
            self.add_error(
                "follow_up_unit", "Say whether the follow-up is in weeks, months or years."
            )
        if unit and value is None:
            self.add_error("follow_up_value", "Give the length of follow-up, or clear the unit.")
        if value is not None and value <= 0:
            self.add_error("follow_up_value", "Follow-up must be longer than zero.")

    def content(self) -> ItemContent:
        """Return what was typed as workflow content (after is_valid())."""
        values = {name: self.cleaned_data.get(name) for name in CONTENT_FIELDS}
        for name in CONTENT_FIELDS:
            if values[name] is None and isinstance(self.fields[name], forms.CharField):
                values[name] = ""
        return ItemContent(
            values=values,
            citations=[CitationInput(row.paper_id, row.quote) for row in self.citation_rows],
        )

    def _post_clean(self) -> None:
        # The workflow writes the item; the model's own validation of a throwaway instance
        # (unique dataset keys, the revision constraint) has nothing to say about typed content.
        pass


class VersionForm(forms.Form):
    """An action on an item as the person saw it: refused if the item changed since."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SendBackForm(VersionForm):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What needs to change",
        error_messages={"required": "Say what needs to change: the curator reads this."},
    )


class RetireForm(VersionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why retire it",
        error_messages={"required": "Say why the item is retired."},
    )


class FlagForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("keep", "Checked: keep as it is"), ("changed", "Checked: changed")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the item was kept or changed."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What you checked",
        error_messages={"required": "Say what you checked; the history keeps it."},
    )


class PickerForm(forms.Form):
    q = forms.CharField(required=False, max_length=300, label="Find a paper")


class AddPaperForm(forms.Form):
    identifier = forms.CharField(max_length=300, label="Add by PMID or DOI", required=False)

    def clean_identifier(self) -> Identifier:
        try:
            return parse_identifier(self.cleaned_data.get("identifier", ""))
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None
