"""The review's numbered reference list."""

from __future__ import annotations

from django.db import models


class Reference(models.Model):
    """One numbered entry in a review's reference list.

    The entry exists from the moment the citation text is known; ``paper`` is filled in once
    the cited work is identified (by PMID from PubMed's ReferenceList, or a resolved DOI).
    """

    review = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="reference_list"
    )
    position = models.PositiveSmallIntegerField()
    citation = models.TextField(help_text="The citation as printed in the review.")
    # Identifiers as printed or as PubMed lists them; only verified values are ever stored.
    pmid = models.PositiveBigIntegerField("PMID", null=True, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True)
    pmcid = models.CharField("PMCID", max_length=20, blank=True)
    paper = models.ForeignKey(
        "papers.Paper",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cited_in_reviews",
    )

    class Meta:
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="reference_unique_position")
        ]

    def __str__(self) -> str:
        return f"[{self.position}] {self.citation[:80]}"
