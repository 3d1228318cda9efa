"""Warnings an export carries: a retracted, corrected or questioned paper says so in its entry.

The flags come from PubMed's CommentsCorrections (papers/ingest.py sets them); putting them in
the note field (BibTeX ``note``, RIS ``N1``, CSL-JSON ``note``) carries the warning into the
reader's reference manager, where the paper will be cited from.
"""

from __future__ import annotations

from papers.models import Paper


def flag_notes(paper: Paper) -> list[str]:
    """Return one sentence per flag on ``paper`` (retraction first), or [] for none."""
    notes = []
    if paper.is_retracted:
        notes.append("RETRACTED: PubMed lists a retraction notice for this paper.")
    if paper.has_expression_of_concern:
        notes.append(
            "EXPRESSION OF CONCERN: PubMed lists an expression of concern about this paper."
        )
    if paper.has_erratum:
        notes.append("CORRECTED: PubMed lists an erratum (correction) for this paper.")
    return notes
