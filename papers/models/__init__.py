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
from papers.models.evidence import Citation, EvidenceEvent, EvidenceNote
from papers.models.files import ImportedFile
from papers.models.jobs import RefreshJob
from papers.models.review import Reference
from papers.models.therapy import PivotalTrial, ReconstitutionPoint, Therapy

__all__ = [
    "Author",
    "Authorship",
    "Citation",
    "EvidenceEvent",
    "EvidenceNote",
    "ImportedFile",
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
    "Therapy",
]
