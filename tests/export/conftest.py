"""A hand-built paper for the export tests: the review irtkb is built around, with the metadata
of its PubMed record (papers/dataset/pubmed/31649335.xml), plus a collective author."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import AuthorFactory, AuthorshipFactory, JournalFactory, PaperFactory

REVIEW_AUTHORS = [
    ("Lünemann", "Jan D", "JD"),
    ("Ruck", "Tobias", "T"),
    ("Muraro", "Paolo A", "PA"),
    ("Bar-Or", "Amit", "A"),
    ("Wiendl", "Heinz", "H"),
]


@pytest.fixture
def review():
    journal = JournalFactory(
        key="issn:1759-4766",
        title="Nature reviews. Neurology",
        iso_abbreviation="Nat Rev Neurol",
        medline_ta="Nat Rev Neurol",
        issn_electronic="1759-4766",
        issn_linking="1759-4758",
    )
    paper = PaperFactory(
        pmid=31649335,
        doi="10.1038/s41582-019-0268-z",
        title="Immune reconstitution therapies: concepts for durable remission in multiple "
        "sclerosis.",
        abstract=[
            {
                "label": "",
                "nlm_category": "",
                "text": "New so-called immune reconstitution therapies (IRTs) have the potential "
                "to induce long-term or even permanent drug-free remission in people with "
                "multiple sclerosis (MS).",
            }
        ],
        journal=journal,
        volume="16",
        issue="1",
        pages="56-62",
        pub_year=2020,
        pub_month=1,
        pub_day=None,
        pub_date_sort=dt.date(2020, 1, 1),
        epub_date=dt.date(2019, 10, 24),
        publication_status="ppublish",
        publication_types=["Journal Article", "Review"],
    )
    for position, (last, fore, initials) in enumerate(REVIEW_AUTHORS, start=1):
        author = AuthorFactory(
            key=f"name:{last}", last_name=last, fore_name=fore, initials=initials
        )
        AuthorshipFactory(paper=paper, author=author, position=position)
    return paper


@pytest.fixture
def awkward_paper():
    """A made-up paper (test-range PMID) whose text holds every character exports must escape."""
    paper = PaperFactory(
        pmid=990000001,
        doi=None,
        title="CD20<sup>+</sup> B cells &amp; 50% of T_reg {cells} $5 #1 ~ ^ \\ in "
        "<i>São Paulo</i>",
        abstract=[
            {"label": "BACKGROUND", "nlm_category": "BACKGROUND", "text": "Line one\nline two."},
            {"label": "RESULTS", "nlm_category": "RESULTS", "text": "β-cells ≥ 2 µg."},
        ],
        journal=JournalFactory(
            key="title:Test", title="Journal of Tests & Trials", iso_abbreviation="J Tests Trials"
        ),
        volume="3",
        issue="",
        pages="e12",
        pub_year=2018,
        pub_month=None,
        pub_season="Spring",
        pub_date_sort=dt.date(2018, 3, 1),
        keywords=["immune reconstitution", "B cells"],
    )
    people = [
        AuthorFactory(key="name:Øster", last_name="Østergaard", fore_name="Søren", initials="S"),
        AuthorFactory(
            key="name:Smith", last_name="Smith", fore_name="John", initials="J", suffix="Jr"
        ),
        AuthorFactory(
            key="collective:MS",
            last_name="",
            fore_name="",
            initials="",
            collective_name="MS Study Group & Partners",
        ),
    ]
    for position, author in enumerate(people, start=1):
        AuthorshipFactory(paper=paper, author=author, position=position)
    return paper
