"""The data model: bibliography (papers and what hangs off them), the review's reference list,
therapies, evidence items with their citations and activity, and PubMed refresh jobs."""

from papers.models.bibliography import (
    Author,
    Authorship,
    Journal,
    MeshDescriptor,
    Paper,
    PaperChange,
    PaperLink,
    PaperMesh,
)
from papers.models.crossref import CrossrefRecord
from papers.models.evidence import Citation, EvidenceEvent, EvidenceNote
from papers.models.intake import IntakeItem, WatchedSearch, WatchRun
from papers.models.jobs import RefreshJob
from papers.models.related import RelatedPapers
from papers.models.review import Reference
from papers.models.therapy import PivotalTrial, ReconstitutionPoint, Therapy

__all__ = [
    "Author",
    "Authorship",
    "Citation",
    "CrossrefRecord",
    "EvidenceEvent",
    "EvidenceNote",
    "IntakeItem",
    "Journal",
    "MeshDescriptor",
    "Paper",
    "PaperChange",
    "PaperLink",
    "PaperMesh",
    "PivotalTrial",
    "ReconstitutionPoint",
    "Reference",
    "RefreshJob",
    "RelatedPapers",
    "Therapy",
    "WatchRun",
    "WatchedSearch",
]
