"""Fixtures for the JSON API: a small knowledge base built with factories, and a client."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.test import Client

from papers.models import EvidenceNote, Paper, PaperLink, Therapy
from tests import factories


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    """Throttle only where a test asks for it (tests/api/test_throttling.py lowers the rate)."""
    settings.API_ANON_THROTTLE_RATE = "100000/minute"


@dataclass
class Corpus:
    alemtuzumab: Therapy
    cladribine: Therapy
    trial: Paper
    point_source: Paper
    cited: list[Paper]
    retracted: Paper
    untied: Paper
    notes: list[EvidenceNote] = field(default_factory=list)


def make_paper(*, authors: int = 2, **kwargs) -> Paper:
    """Create a paper with ``authors`` authorships and one MeSH heading."""
    paper = factories.PaperFactory(**kwargs)
    for position in range(1, authors + 1):
        factories.AuthorshipFactory(paper=paper, position=position)
    factories.PaperMeshFactory(paper=paper, position=1, major_topic=True)
    return paper


@pytest.fixture
def corpus(db) -> Corpus:
    """Two therapies; a trial, a reconstitution source, cited papers, a retracted one, a stray."""
    alemtuzumab = factories.TherapyFactory(name="Alemtuzumab", slug="alemtuzumab", position=1)
    cladribine = factories.TherapyFactory(name="Cladribine", slug="cladribine", position=2)
    trial = make_paper(
        title="Alemtuzumab versus interferon beta 1a, a <i>phase 3</i> trial",
        doi="10.9999/Trial.2012",
        pmcid="PMC9900001",
        pub_year=2012,
        pub_date_sort=dt.date(2012, 11, 1),
        publication_types=["Journal Article", "Randomized Controlled Trial"],
    )
    factories.PivotalTrialFactory(therapy=alemtuzumab, paper=trial, name="TRIAL-A", position=1)
    point_source = make_paper(pub_year=2013, pub_date_sort=dt.date(2013, 1, 1))
    factories.ReconstitutionPointFactory(
        therapy=alemtuzumab, source=point_source, cell_population="CD19+ B cells", position=1
    )
    cited = [make_paper(pub_year=2015 + n, pub_date_sort=dt.date(2015 + n, 1, 1)) for n in range(3)]
    retracted = make_paper(pub_year=2018, pub_date_sort=dt.date(2018, 3, 1), is_retracted=True)
    factories.PaperLinkFactory(source=retracted, kind=PaperLink.Kind.RETRACTION_IN)
    untied = make_paper(pub_year=2001, pub_date_sort=dt.date(2001, 1, 1))
    notes = [
        factories.EvidenceNoteFactory(
            therapy=alemtuzumab,
            statement="B cells **repopulate** within a year.",
            papers=[cited[0], cited[1]],
        ),
        factories.EvidenceNoteFactory(
            therapy=cladribine,
            note_type=EvidenceNote.NoteType.SAFETY,
            statement="Lymphopenia is the main safety signal.",
            papers=[retracted],
            needs_review=True,
            review_reason="A cited paper was retracted.",
        ),
        factories.EvidenceNoteFactory(
            therapy=cladribine,
            status=EvidenceNote.Status.DRAFT,
            statement="An unpublished draft.",
            papers=[cited[2]],
        ),
    ]
    return Corpus(
        alemtuzumab=alemtuzumab,
        cladribine=cladribine,
        trial=trial,
        point_source=point_source,
        cited=cited,
        retracted=retracted,
        untied=untied,
        notes=notes,
    )


@pytest.fixture
def api(client: Client):
    """Return a GET helper: ``api("papers/", pmid=1)`` -> the response from /api/v1/papers/."""

    def get(path: str, headers: dict | None = None, **params):
        url = path if path.startswith("http") or path.startswith("/") else f"/api/v1/{path}"
        return client.get(url, params, headers=headers or {})

    return get
