"""Corrections staff made to fields PubMed owns, kept across refreshes (papers/overrides.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Fields a PubMed record sets and an admin may correct, as papers/ingest.py names them
# ("journal_id" for the journal); "authors" is the whole author list.
PUBMED_OWNED_FIELDS = (
    "title",
    "vernacular_title",
    "abstract",
    "abstract_copyright",
    "journal_id",
    "volume",
    "issue",
    "pages",
    "book_title",
    "publisher",
    "pub_year",
    "pub_month",
    "pub_day",
    "pub_season",
    "pub_medline_date",
    "pub_date_sort",
    "epub_date",
    "pmcid",
    "doi",
    "pii",
    "languages",
    "publication_types",
    "keywords",
    "authors",
)


class PaperOverride(models.Model):
    """One field of one paper as staff corrected it; refreshes keep it and report PubMed's.

    ``value`` is the corrected value (JSON); ``pubmed_value`` what PubMed last said when it
    disagreed (None until it does), so a disagreement is logged once, not every week.
    """

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="overrides")
    field = models.CharField(max_length=40, choices=[(f, f) for f in PUBMED_OWNED_FIELDS])
    value = models.JSONField(null=True, blank=True)
    pubmed_value = models.JSONField(null=True, blank=True)
    pubmed_disagrees = models.BooleanField(default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["paper", "field"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "field"], name="paperoverride_unique_field")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id}.{self.field} (corrected)"

    @property
    def label(self) -> str:
        """Return the field as readers know it ("journal", "authors", "publication year")."""
        return self.field.removesuffix("_id").replace("pub_", "publication ").replace("_", " ")
