"""Fixtures for the public pages: a small but complete knowledge base built with factories."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from papers.models import EvidenceNote, Paper, PaperLink, Therapy
from papers.views.pages import REVIEW_PMID
from tests import factories


@dataclass
class KnowledgeBase:
    review: Paper
    therapies: list[Therapy]
    cited: list[Paper]
    notes: list[EvidenceNote] = field(default_factory=list)


def make_paper(*, authors: int = 3, mesh: int = 2, **kwargs) -> Paper:
    """Create a paper with ``authors`` authorships (with affiliations) and ``mesh`` headings."""
    paper = factories.PaperFactory(**kwargs)
    for position in range(1, authors + 1):
        factories.AuthorshipFactory(
            paper=paper,
            position=position,
            affiliations=[f"Department of Neurology, Test University {position % 2}"],
        )
    for position in range(1, mesh + 1):
        factories.PaperMeshFactory(
            paper=paper,
            position=position,
            major_topic=position == 1,
            qualifiers=[{"ui": "Q000188", "name": "drug therapy", "major_topic": False}],
        )
    return paper


def build_knowledge_base(*, papers: int = 30, therapies: int = 3) -> KnowledgeBase:
    """Build the review, ``papers`` cited papers, therapies with trials, points and notes."""
    review = make_paper(
        pmid=REVIEW_PMID,
        title="Immune reconstitution therapies: concepts for durable remission in multiple "
        "sclerosis.",
        abstract=[
            {
                "label": "",
                "nlm_category": "",
                "text": "New so-called immune reconstitution therapies (IRTs) have the potential "
                "to induce long-term or even permanent drug-free remission.",
            }
        ],
        doi="10.1038/s41582-019-0268-z",
        pub_year=2020,
        pub_month=1,
        pub_date_sort=dt.date(2020, 1, 1),
        volume="16",
        issue="1",
        pages="56-62",
        epub_date=dt.date(2019, 10, 24),
        publication_types=["Journal Article", "Review"],
        has_erratum=True,
        authors=5,
        mesh=3,
    )
    factories.PaperLinkFactory(source=review, kind=PaperLink.Kind.ERRATUM_IN)
    cited = [
        make_paper(pub_year=2000 + i % 20, pub_date_sort=dt.date(2000 + i % 20, 1, 1))
        for i in range(papers)
    ]
    for position, paper in enumerate(cited, start=1):
        factories.ReferenceFactory(
            review=review, position=position, citation=f"Cited work {position}.", paper=paper
        )
    kb = KnowledgeBase(review=review, therapies=[], cited=cited)
    for t in range(therapies):
        therapy = factories.TherapyFactory(position=t + 1)
        kb.therapies.append(therapy)
        for i in range(2):
            factories.PivotalTrialFactory(therapy=therapy, paper=cited[(t * 5 + i) % papers])
        for i in range(3):
            factories.ReconstitutionPointFactory(
                therapy=therapy, source=cited[(t * 5 + 2 + i) % papers]
            )
        for i, note_type in enumerate(EvidenceNote.NoteType.values):
            kb.notes.append(
                factories.EvidenceNoteFactory(
                    therapy=therapy,
                    note_type=note_type,
                    papers=[cited[(t * 7 + i + k) % papers] for k in range(3)],
                )
            )
    return kb


@pytest.fixture
def kb(db) -> KnowledgeBase:
    return build_knowledge_base()
