""" "Check my bibliography": the upload page and its JSON twin.

Both hand the file to papers.bibcheck.check_bibliography; a file it cannot read comes back as
a BibliographyFileError whose message is shown as is (never a 500, never a library's text).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from papers.bibcheck import (
    MAX_ENTRIES,
    MAX_UPLOAD_BYTES,
    BibliographyFileError,
    check_bibliography,
)

LIMIT_TEXT = f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB"


class BibliographyUploadForm(forms.Form):
    file = forms.FileField(
        label="Bibliography file",
        help_text=f".bib (BibTeX), .ris or .json (CSL-JSON), up to {LIMIT_TEXT} and "
        f"{MAX_ENTRIES} entries.",
        error_messages={"required": "Choose a file to check.", "empty": "The file is empty."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {LIMIT_TEXT}."
            )
        return upload


def _read(upload) -> bytes:
    # Read one byte past the limit: a client that lied about the size is still caught.
    return upload.read(MAX_UPLOAD_BYTES + 1)


@require_http_methods(["GET", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    """Show the upload form; on POST, the report on the uploaded file."""
    context: dict = {"limit": LIMIT_TEXT, "max_entries": MAX_ENTRIES, "nav": "bibliography"}
    status = 200
    if request.method == "POST":
        form = BibliographyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                context["report"] = check_bibliography(
                    file_bytes=_read(upload), filename=upload.name
                )
                context["filename"] = upload.name
            except BibliographyFileError as error:
                form.add_error("file", str(error))
        if form.errors:
            status = 400
    else:
        form = BibliographyUploadForm()
    context["form"] = form
    return render(request, "papers/bibliography_check.html", context, status=status)


# No CSRF check: the endpoint changes nothing and reads no session, and scripts post to it
# without a browser's cookies. (It moves under the DRF API when that lands.)
@csrf_exempt
@require_POST
def check_api(request: HttpRequest) -> JsonResponse:
    """Return the report on a multipart-uploaded ``file`` as JSON (400 with ``error``)."""
    form = BibliographyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(form.errors.get("file", ["Upload a file in the field 'file'."]))
        too_large = "the limit is" in message
        return JsonResponse({"error": message}, status=413 if too_large else 400)
    upload = form.cleaned_data["file"]
    try:
        report = check_bibliography(file_bytes=_read(upload), filename=upload.name)
    except BibliographyFileError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(report.as_dict())
