"""Forms of the staff pages: the import list and the filters of the job list and change log."""

from __future__ import annotations

from django import forms

from curation.identifiers import IdentifierError, parse_identifier
from papers.models import RefreshJob
from staff.imports import ReadList, read_lines

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_IDENTIFIERS = 10_000  # one job; longer lists belong to `import_pubmed --file` or several jobs


class ImportForm(forms.Form):
    identifiers = forms.CharField(
        label="PMIDs, DOIs or PubMed URLs, one per line",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        required=False,
    )
    file = forms.FileField(
        label="or a text or CSV file (one identifier per line; a CSV's first column)",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size:,} bytes; the limit is {MAX_FILE_BYTES:,}."
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                f"{upload.name} is not UTF-8 text; save it as plain text or CSV (UTF-8)."
            ) from None
        return (upload.name, text)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        pasted, upload = data.get("identifiers", ""), data.get("file")
        if not pasted.strip() and upload is None:
            raise forms.ValidationError("Paste some identifiers or choose a file.")
        read = read_lines(pasted.splitlines())
        if upload is not None:
            name, text = upload
            is_csv = name.lower().endswith(".csv")
            read.add(read_lines(text.splitlines(), source=name, is_csv=is_csv))
        if len(read.identifiers) > MAX_IDENTIFIERS:
            raise forms.ValidationError(
                f"{len(read.identifiers):,} identifiers; one import takes at most "
                f"{MAX_IDENTIFIERS:,}. Split the list."
            )
        if not read.identifiers:
            raise forms.ValidationError(
                "None of the lines holds a PMID or DOI, so nothing was queued.",
            )
        data["read"] = read
        return data

    @property
    def read(self) -> ReadList:
        return self.cleaned_data["read"]


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "any status"), *RefreshJob.Status.choices], required=False
    )


# Kinds of change-log entry; the three notices stand out on the page.
CHANGE_KINDS = [
    ("", "any kind"),
    ("retraction", "retraction"),
    ("erratum", "erratum"),
    ("concern", "expression of concern"),
    ("withdrawn", "withdrawn from PubMed"),
    ("metadata", "other metadata"),
]


class ChangeFilterForm(forms.Form):
    job = forms.IntegerField(label="job #", min_value=1, required=False)
    paper = forms.CharField(label="paper (PMID or DOI)", max_length=300, required=False)
    field = forms.ChoiceField(label="field", required=False)
    kind = forms.ChoiceField(label="kind", choices=CHANGE_KINDS, required=False)

    def __init__(self, *args, fields: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "any field"), *((f, f) for f in fields)]

    def clean_paper(self):
        text = self.cleaned_data.get("paper", "").strip()
        if not text:
            return None
        try:
            return parse_identifier(text)
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None
