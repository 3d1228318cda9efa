"""Where papers are used: which therapies and published notes rest on them.

The review page and the paper page both show this for many papers at once, so it is read for
a whole set of paper ids in a fixed number of queries rather than per paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from papers.models import EvidenceNote, PivotalTrial, ReconstitutionPoint, Therapy


@dataclass
class PaperUsage:
    """Everything in the knowledge base that cites one paper."""

    pivotal_trials: list[PivotalTrial] = field(default_factory=list)
    notes: list[EvidenceNote] = field(default_factory=list)
    reconstitution_points: list[ReconstitutionPoint] = field(default_factory=list)

    @property
    def therapies(self) -> list[Therapy]:
        """Return the therapies using the paper in any way, in list order, each once."""
        seen: dict[int, Therapy] = {}
        for row in (*self.pivotal_trials, *self.notes, *self.reconstitution_points):
            seen.setdefault(row.therapy.pk, row.therapy)
        return sorted(seen.values(), key=lambda t: (t.position, t.name))

    def __bool__(self) -> bool:
        return bool(self.pivotal_trials or self.notes or self.reconstitution_points)


def usage_for_papers(paper_ids: Iterable[int]) -> dict[int, PaperUsage]:
    """Return {paper id: PaperUsage} for ``paper_ids`` in three queries, whatever their number."""
    ids = {pk for pk in paper_ids if pk is not None}
    usage: dict[int, PaperUsage] = {pk: PaperUsage() for pk in ids}
    if not ids:
        return usage
    for trial in PivotalTrial.objects.filter(paper_id__in=ids).select_related("therapy"):
        usage[trial.paper_id].pivotal_trials.append(trial)
    citations = (
        EvidenceNote.papers.through.objects.filter(
            paper_id__in=ids, evidencenote__status=EvidenceNote.Status.PUBLISHED
        )
        .select_related("evidencenote__therapy")
        .order_by("evidencenote__therapy__position", "evidencenote__note_type", "evidencenote_id")
    )
    for citation in citations:
        usage[citation.paper_id].notes.append(citation.evidencenote)
    points = ReconstitutionPoint.objects.filter(source_id__in=ids).select_related("therapy")
    for point in points:
        usage[point.source_id].reconstitution_points.append(point)
    return usage
