"""Admin edits are versioned, and corrections of PubMed's fields survive refreshes with the
disagreement in the change log (issue 9.3)."""

from __future__ import annotations

import pytest

from papers.ingest import upsert_papers
from papers.models import Paper, PaperChange, PaperOverride
from papers.overrides import record_corrections
from papers.pubmed import parse_pubmed_xml
from tests.integrity.admin_forms import post_paper_change
from tests.integrity.crafted import article, article_set, author

pytestmark = pytest.mark.django_db
PMID = 990_300_001


def _refresh(**parts) -> None:
    upsert_papers(records=parse_pubmed_xml(article_set(article(PMID, **parts))).records)


def test_an_admin_edit_is_versioned_with_who_what_and_when(admin_client, admin_user):
    _refresh(title="As PubMed has it.")
    paper = Paper.objects.get(pmid=PMID)

    post_paper_change(admin_client, paper, title="As corrected.")

    # PubMed's own writes are bulk (logged in PaperChange); the admin's save is a version.
    (version,) = paper.history.all()
    assert (version.title, version.history_type, version.history_user) == (
        "As corrected.",
        "~",
        admin_user,
    )
    assert version.history_date is not None


def test_a_correction_survives_a_refresh_and_the_disagreement_is_logged_once(admin_client):
    _refresh(title="As PubMed has it.")
    paper = Paper.objects.get(pmid=PMID)
    response = post_paper_change(admin_client, paper, title="As corrected.")
    assert response.status_code == 302
    override = PaperOverride.objects.get(paper=paper)
    assert (override.field, override.value, override.pubmed_disagrees) == (
        "title",
        "As corrected.",
        False,
    )

    _refresh(title="PubMed's revised title.")
    _refresh(title="PubMed's revised title.", pages="10-19")  # same title again: not re-logged

    paper.refresh_from_db()
    assert paper.title == "As corrected." and paper.pages == "10-19"
    logged = PaperChange.objects.filter(paper=paper, field="override:title")
    assert [(c.old_value, c.new_value) for c in logged] == [
        ("As corrected.", "PubMed's revised title.")
    ]
    override.refresh_from_db()
    assert override.pubmed_disagrees and override.pubmed_value == "PubMed's revised title."
    assert not PaperChange.objects.filter(paper=paper, field="title").exists()


def test_the_paper_page_marks_corrected_fields(admin_client, client):
    _refresh(title="As PubMed has it.")
    paper = Paper.objects.get(pmid=PMID)
    post_paper_change(admin_client, paper, title="As corrected.")
    _refresh(title="PubMed's revised title.")

    html = client.get(f"/papers/{paper.pk}/", follow=True).content.decode()

    assert "Corrected in irtkb" in html and "(PubMed's record differs)" in html


def test_removing_a_correction_hands_the_field_back_to_pubmed(admin_client):
    _refresh(title="As PubMed has it.")
    paper = Paper.objects.get(pmid=PMID)
    post_paper_change(admin_client, paper, title="As corrected.")

    PaperOverride.objects.get(paper=paper).delete()
    _refresh(title="As PubMed has it.")  # PubMed's record has not changed since

    paper.refresh_from_db()
    assert paper.title == "As PubMed has it."


def test_a_corrected_author_list_is_kept_and_pubmeds_list_logged():
    _refresh(authors=[author("Righttest", "Ann", "A"), author("Wrongtest", "Bo", "B")])
    paper = Paper.objects.get(pmid=PMID)
    paper.authorships.filter(author__last_name="Wrongtest").delete()
    record_corrections(paper=paper, fields=["authors"])

    _refresh(authors=[author("Righttest", "Ann", "A"), author("Othertest", "Cy", "C")])

    names = list(paper.authorships.values_list("author__last_name", flat=True))
    assert names == ["Righttest"]
    change = PaperChange.objects.get(paper=paper, field="override:authors")
    assert change.old_value == ["name:righttest|ann|a||"]
    assert change.new_value == ["name:righttest|ann|a||", "name:othertest|cy|c||"]
