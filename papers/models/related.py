"""Related papers PubMed lists for a paper (elink), cached so the paper page asks once."""

from __future__ import annotations

from django.db import models


class RelatedPapers(models.Model):
    """PubMed's "similar articles" and "cited by" PMIDs for one paper, as last fetched."""

    paper = models.OneToOneField("papers.Paper", on_delete=models.CASCADE, related_name="related")
    similar = models.JSONField(default=list, blank=True)  # PMIDs, NCBI's order
    cited_by = models.JSONField(default=list, blank=True)
    requested_at = models.DateTimeField()  # when a fetch was last queued (at most hourly)
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "related papers"

    def __str__(self) -> str:
        return f"related to {self.paper_id}"
