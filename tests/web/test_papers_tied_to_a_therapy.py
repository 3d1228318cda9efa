"""One definition of a therapy's papers: its list, its export, the search filter and the papers'
own "used by" sections agree."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from papers.models import EvidenceNote
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tied():
    """Return (therapy, papers tied to it, papers that are not) covering every kind of tie."""
    therapy = factories.TherapyFactory(name="Cladribine", slug="cladribine")
    other = factories.TherapyFactory(name="Rituximab", slug="rituximab")
    trial = factories.PaperFactory(title="Trial paper")
    cited = factories.PaperFactory(title="Cited paper")
    source = factories.PaperFactory(title="Chart source paper")
    draft_only = factories.PaperFactory(title="Draft-only paper")
    elsewhere = factories.PaperFactory(title="Other therapy paper")
    factories.PaperFactory(title="Unused paper")
    factories.PivotalTrialFactory(therapy=therapy, paper=trial)
    # A paper tied twice (trial and note) is still listed once.
    factories.EvidenceNoteFactory(therapy=therapy, papers=[cited, trial])
    factories.ReconstitutionPointFactory(therapy=therapy, source=source)
    factories.EvidenceNoteFactory(
        therapy=therapy, status=EvidenceNote.Status.DRAFT, papers=[draft_only]
    )
    factories.EvidenceNoteFactory(therapy=other, papers=[elsewhere])
    return therapy, {trial, cited, source}, {draft_only, elsewhere}


def _titles(html: str) -> set[str]:
    return set(
        re.findall(
            r"<a [^>]*>((?:Trial|Cited|Chart source|Draft-only|Other therapy|"
            r"Unused) paper)</a>",
            html,
        )
    )


def test_the_list_the_export_and_the_search_filter_hold_the_same_papers(client, tied):
    therapy, papers, _ = tied
    expected = {paper.title for paper in papers}

    listed = client.get(reverse("papers:therapy-papers", args=[therapy.slug])).content.decode()
    exported = json.loads(
        client.get(
            reverse("papers:export-therapy", kwargs={"slug": therapy.slug, "fmt": "csl-json"})
        ).content
    )
    searched = client.get(reverse("papers:search"), {"therapy": therapy.slug}).content.decode()

    assert _titles(listed) == expected
    assert {item["title"] for item in exported} == expected
    assert len(exported) == len(expected)
    assert _titles(searched) == expected


def test_each_tied_paper_names_the_therapy_and_no_other_paper_does(client, tied):
    therapy, papers, others = tied

    def used_by_therapy(paper) -> bool:
        html = client.get(paper.get_absolute_url()).content.decode()
        return f'href="{therapy.get_absolute_url()}#' in html

    assert all(used_by_therapy(paper) for paper in papers)
    assert not any(used_by_therapy(paper) for paper in others)
