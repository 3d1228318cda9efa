from __future__ import annotations

import pytest
from django.urls import reverse

from papers.models import PaperLink
from tests import factories
from tests.web.conftest import build_knowledge_base, make_paper

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = 'Rituximab <i>in vivo</i><script>alert("t")</script><img src=x onerror=alert(1)>'


def test_the_pmid_url_redirects_to_a_readable_paper_url(client, db):
    paper = make_paper(title="B-cell depletion with <i>rituximab</i> in relapsing MS.")

    response = client.get(reverse("papers:paper-by-pmid", args=[paper.pmid]))

    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/papers/{paper.pk}/b-cell-depletion-with-rituximab-in-relapsing-ms/"
    )
    assert client.get(response["Location"]).status_code == 200


def test_a_wrong_or_missing_slug_redirects_to_the_canonical_url(client, db):
    paper = make_paper(title="Cladribine tablets in relapsing MS.")
    canonical = f"/papers/{paper.pk}/cladribine-tablets-in-relapsing-ms/"

    bare = client.get(f"/papers/{paper.pk}/")
    wrong = client.get(f"/papers/{paper.pk}/old-title/")

    assert (bare.status_code, bare["Location"]) == (301, canonical)
    assert (wrong.status_code, wrong["Location"]) == (301, canonical)
    with_query = client.get(f"/papers/{paper.pk}/?utm_source=newsletter")
    assert with_query["Location"] == f"{canonical}?utm_source=newsletter"


def test_it_shows_the_full_record(client, db):
    paper = make_paper(
        title="Alemtuzumab versus interferon beta 1a.",
        abstract=[
            {
                "label": "BACKGROUND",
                "nlm_category": "BACKGROUND",
                "text": "Alemtuzumab depletes CD52<sup>+</sup> cells.",
            },
            {"label": "RESULTS", "nlm_category": "RESULTS", "text": "Relapses fell by 55%."},
        ],
        abstract_copyright="Copyright © 2012 Elsevier Ltd.",
        pmcid="PMC9900002",
        doi="10.9999/irtkb.test.2",
        keywords=["lymphocyte depletion"],
        publication_types=["Clinical Trial, Phase III", "Journal Article"],
        has_erratum=True,
    )
    factories.PaperLinkFactory(
        source=paper, kind=PaperLink.Kind.COMMENT_IN, ref_source="Lancet. 2012;380:1795."
    )

    response = client.get(reverse("papers:paper-by-pmid", args=[paper.pmid]), follow=True)

    html = response.content.decode()
    assert "<title>Alemtuzumab versus interferon beta 1a. · irtkb</title>" in html
    assert (
        '<strong class="abstract-label">BACKGROUND:</strong> '
        "Alemtuzumab depletes CD52<sup>+</sup> cells." in html
    )
    assert '<strong class="abstract-label">RESULTS:</strong> Relapses fell by 55%.' in html
    assert "Copyright © 2012 Elsevier Ltd." in html
    assert "Clinical Trial, Phase III" in html
    assert "lymphocyte depletion" in html
    assert "Comment in:" in html
    assert "Lancet. 2012;380:1795." in html
    assert "Erratum</span>" in html
    assert " / drug therapy" in html
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC9900002/"' in html
    assert 'href="https://doi.org/10.9999/irtkb.test.2"' in html
    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{paper.pmid}/"' in html


def test_a_link_to_a_paper_we_hold_stays_inside_irtkb(client, db):
    erratum = make_paper(title="Erratum: wrong dose in table 2.")
    paper = make_paper(title="A trial with an erratum.", has_erratum=True)
    factories.PaperLinkFactory(
        source=paper, kind=PaperLink.Kind.ERRATUM_IN, target_pmid=erratum.pmid
    )

    html = client.get(
        reverse("papers:paper-by-pmid", args=[paper.pmid]), follow=True
    ).content.decode()
    erratum_html = client.get(
        reverse("papers:paper-by-pmid", args=[erratum.pmid]), follow=True
    ).content.decode()

    assert f'href="/papers/{erratum.pk}/erratum-wrong-dose-in-table-2/"' in html
    # The erratum's own page says what links to it.
    assert "Erratum in" in erratum_html
    assert f'href="/papers/{paper.pk}/' in erratum_html


def test_it_lists_the_notes_trials_and_review_references_that_use_it(client, kb):
    therapy = kb.therapies[0]
    trial = therapy.pivotal_trials.select_related("paper").first()
    paper = trial.paper
    note = factories.EvidenceNoteFactory(
        therapy=therapy,
        papers=[paper],
        statement="Durable NEDA in half of patients.",
        needs_review=True,
    )

    html = client.get(
        reverse("papers:paper-by-pmid", args=[paper.pmid]), follow=True
    ).content.decode()

    assert f"{therapy.name}: {trial.name}" in html
    assert "Durable NEDA in half of patients." in html
    assert f"#note-{note.pk}" in html
    assert "Needs review" in html
    assert "Cited by the review" in html
    assert "/review/#ref-" in html


def test_a_paper_nothing_uses_says_so(client, db):
    paper = make_paper()

    html = client.get(
        reverse("papers:paper-by-pmid", args=[paper.pmid]), follow=True
    ).content.decode()

    assert "No therapy, note or review in irtkb cites this paper yet." in html


def test_a_pending_paper_says_it_is_being_fetched(client, db):
    paper = factories.PaperFactory(
        title="", abstract=[], journal=None, fetch_state="pending", pub_year=None
    )

    response = client.get(f"/papers/{paper.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not yet fetched" in html
    assert "No abstract available." in html
    assert "None" not in html.split("<main", 1)[1]


def test_hostile_markup_in_titles_and_abstracts_is_neutralised(client, db):
    paper = make_paper(
        title=HOSTILE_TITLE,
        abstract=[
            {
                "label": "<b>X</b>",
                "nlm_category": "",
                "text": 'Fine <i>text</i><script>alert("a")</script>'
                '<a href="javascript:alert(1)">x</a>',
            }
        ],
    )
    therapy = factories.TherapyFactory(name='Evil <script>alert("n")</script>')
    factories.EvidenceNoteFactory(
        therapy=therapy, papers=[paper], statement='<img src=x onerror=alert("s")>'
    )

    pages = [
        client.get(reverse("papers:paper-by-pmid", args=[paper.pmid]), follow=True),
        client.get(therapy.get_absolute_url()),
        client.get(reverse("papers:home")),
        client.get(reverse("papers:compare")),
    ]

    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "javascript:" not in html
    paper_html = pages[0].content.decode()
    assert "Rituximab <i>in vivo</i>" in paper_html
    assert "Fine <i>text</i>" in paper_html
    assert "&lt;b&gt;X&lt;/b&gt;" in paper_html
    assert "<title>Rituximab in vivo · irtkb</title>" in paper_html


def test_unknown_papers_are_404s(client, db):
    assert client.get("/papers/987654/").status_code == 404
    assert client.get("/papers/987654/some-slug/").status_code == 404
    assert client.get(reverse("papers:paper-by-pmid", args=[12])).status_code == 404


def test_its_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries):
    kb = build_knowledge_base(papers=30, therapies=5)
    paper = make_paper(authors=40, mesh=25)
    for therapy in kb.therapies:
        factories.EvidenceNoteFactory(therapy=therapy, papers=[paper])
        factories.ReconstitutionPointFactory(therapy=therapy, source=paper)
        factories.PivotalTrialFactory(therapy=therapy, paper=paper)
    for cited in kb.cited[:10]:
        factories.PaperLinkFactory(
            source=paper, kind=PaperLink.Kind.COMMENT_IN, target_pmid=cited.pmid
        )
        factories.PaperLinkFactory(
            source=cited, kind=PaperLink.Kind.COMMENT_ON, target_pmid=paper.pmid
        )
    url = client.get(f"/papers/{paper.pk}/")["Location"]

    # 13: corrections kept (papers/overrides.py); reading the related-papers cache and claiming
    # its first fetch are one query each.
    with django_assert_max_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
