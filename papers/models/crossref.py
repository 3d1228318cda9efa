"""What Crossref said about a paper PubMed does not know, and where each field came from."""

from __future__ import annotations

from django.db import models

PUBMED = "PubMed"
CROSSREF = "Crossref"
# The fields a Crossref record fills on a DOI-only paper, in the order the paper page lists them.
CROSSREF_FIELDS = (
    "title",
    "authors",
    "journal",
    "volume",
    "issue",
    "pages",
    "publication date",
    "type",
    "licence",
)


class CrossrefRecord(models.Model):
    """Crossref's metadata for one paper, kept while PubMed has no record of its DOI.

    ``sources`` says where each shown field came from ({"title": "Crossref", ...}); when PubMed
    later knows the DOI, its record takes over, ``superseded_at`` is set, the sources become
    "PubMed" and the paper's change log records the hand-over. ``updates`` are Crossref's
    notices about the work (retractions, corrections), kept for the flags.
    """

    paper = models.OneToOneField("papers.Paper", on_delete=models.CASCADE, related_name="crossref")
    doi = models.CharField(max_length=255)
    work_type = models.CharField(max_length=60, blank=True)
    licence = models.URLField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    # [{"family": ..., "given": ..., "orcid": "0000-...", "name": ...}]
    authors = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=dict, blank=True)
    # [{"relation": "updated-by", "kind": "retraction", "doi": ..., "date": "2020-01-31",
    #   "source": "retraction-watch"}]
    updates = models.JSONField(default=list, blank=True)
    fetched_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Crossref record"

    def __str__(self) -> str:
        return f"Crossref {self.doi}"
