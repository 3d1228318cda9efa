"""Bring the existing notes (the 17 bundled ones included) into the review workflow."""

from django.db import migrations


def migrate_existing_notes(apps, schema_editor):
    """Bring existing notes into the workflow: "in review" becomes "submitted", published and
    retired notes count as published once, and each note records its citations (in the order
    of their paper ids, the only order the plain many-to-many had)."""
    Note = apps.get_model("papers", "EvidenceNote")
    History = apps.get_model("papers", "HistoricalEvidenceNote")
    Citation = apps.get_model("papers", "Citation")
    Note.objects.filter(status="in_review").update(status="submitted")
    History.objects.filter(status="in_review").update(status="submitted")
    for note in Note.objects.all():
        citations = list(
            Citation.objects.filter(evidencenote=note).select_related("paper").order_by("paper_id")
        )
        record = []
        for position, citation in enumerate(citations, start=1):
            citation.position = position
            citation.save(update_fields=["position"])
            paper = citation.paper
            record.append(
                {
                    "paper_id": paper.pk,
                    "pmid": paper.pmid,
                    "doi": paper.doi or "",
                    "quote": "",
                    "quote_section": "",
                }
            )
        note.citation_record = record
        note.last_changed_by_id = note.author_id
        if note.status in ("published", "retired"):
            note.published_version = 1
            first = (
                History.objects.filter(id=note.pk, status="published")
                .order_by("history_date")
                .values_list("history_date", flat=True)
                .first()
            )
            note.published_at = first or note.updated_at
        note.save(
            update_fields=[
                "citation_record",
                "last_changed_by",
                "published_version",
                "published_at",
            ]
        )
        # The latest history row describes the note as it stands now; older rows keep an
        # empty citation record (what they cited then was never recorded).
        latest = History.objects.filter(id=note.pk).order_by("-history_date", "-history_id").first()
        if latest is not None:
            latest.citation_record = record
            latest.published_version = note.published_version
            latest.published_at = note.published_at
            latest.last_changed_by_id = note.last_changed_by_id
            latest.save()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0008_evidence_items"),
    ]

    operations = [
        migrations.RunPython(migrate_existing_notes, migrations.RunPython.noop),
    ]
