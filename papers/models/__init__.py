"""The data model: bibliography (papers and what hangs off them), the review's reference list,
therapies, evidence items with their citations and activity, PubMed refresh jobs and the
PubMed files imported from disk."""

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
from papers.models.files import ImportedFile
from papers.models.intake import IntakeItem, WatchedSearch, WatchRun
from papers.models.jobs import RefreshBatch, RefreshJob
from papers.models.overrides import PUBMED_OWNED_FIELDS, PaperOverride
from papers.models.related import RelatedPapers
from papers.models.review import Reference
from papers.models.therapy import PivotalTrial, ReconstitutionPoint, Therapy

__all__ = [
    "PUBMED_OWNED_FIELDS",
    "Author",
    "Authorship",
    "Citation",
    "CrossrefRecord",
    "EvidenceEvent",
    "EvidenceNote",
    "ImportedFile",
    "IntakeItem",
    "Journal",
    "MeshDescriptor",
    "Paper",
    "PaperChange",
    "PaperLink",
    "PaperMesh",
    "PaperOverride",
    "PivotalTrial",
    "ReconstitutionPoint",
    "Reference",
    "RefreshBatch",
    "RefreshJob",
    "RelatedPapers",
    "Therapy",
    "WatchRun",
    "WatchedSearch",
]
