"""merge_papers keeps every link, drops only links the kept paper already has, and logs itself."""

from __future__ import annotations

import pytest
from django.db.models import Q

from papers.duplicates import MERGE_FIELD, MergeError, merge_papers, paper_relations
from papers.models import (
    Authorship,
    EvidenceNote,
    Paper,
    PaperChange,
    PaperLink,
    PivotalTrial,
    Reference,
)
from tests import factories
from tests.duplicates.conftest import build_linked_duplicate, make_user

pytestmark = pytest.mark.django_db


def _counts(paper_id: int) -> dict[str, int]:
    return {r.key: r.rows(paper_id).count() for r in paper_relations()}


def test_merging_moves_every_link_of_the_duplicate_onto_the_kept_paper():
    pair = build_linked_duplicate()
    keep, duplicate = pair.keep, pair.duplicate
    before = _counts(duplicate.pk)
    uncovered = [key for key, n in before.items() if n == 0]
    assert not uncovered, f"add a row of {uncovered} to build_linked_duplicate()"
    dup_pmid, dup_pmcid = duplicate.pmid, duplicate.pmcid

    report = merge_papers(keep=keep, duplicate=duplicate, user=make_user("edith", "Editor"))

    assert not Paper.objects.filter(pk=duplicate.pk).exists()
    after = _counts(keep.pk)
    # Every row moved, plus the merge's own change-log entry.
    assert after == {
        **before,
        "papers.PaperChange.paper": before["papers.PaperChange.paper"] + 1,
    }
    assert report.dropped == {}
    assert list(pair.note.papers.all()) == [keep]
    assert PivotalTrial.objects.get(therapy=pair.therapy).paper == keep
    pair.incoming.refresh_from_db()
    assert pair.incoming.target_pmid == dup_pmid
    # The DOI stub had no PMID or PMCID: it takes the duplicate's, so a refresh can find it.
    keep.refresh_from_db()
    assert (keep.pmid, keep.pmcid, keep.doi) == (dup_pmid, dup_pmcid, "10.5555/irtkb.merge.1")
    assert keep.search_vector is not None


def test_the_merge_is_in_the_kept_papers_change_log_with_who_and_both_identities():
    pair = build_linked_duplicate()
    dup_id, dup_pmid = pair.duplicate.pk, pair.duplicate.pmid
    merge_papers(keep=pair.keep, duplicate=pair.duplicate, user=make_user("edith", "Editor"))

    entry = PaperChange.objects.get(paper=pair.keep, field=MERGE_FIELD)
    assert entry.old_value["id"] == dup_id and entry.old_value["pmid"] == dup_pmid
    assert entry.new_value["into"]["id"] == pair.keep.pk
    assert entry.new_value["by"]["username"] == "edith"
    assert entry.new_value["moved"]["evidence notes citing it"] == 1
    assert entry.new_value["identifiers_taken"] == {"pmid": dup_pmid, "pmcid": "PMC0"}


def test_links_both_papers_already_share_are_kept_once():
    keep = factories.PaperFactory(title="Alemtuzumab and thyroid autoimmunity.")
    duplicate = factories.PaperFactory(title="Alemtuzumab and thyroid autoimmunity")
    therapy = factories.TherapyFactory()
    both = factories.EvidenceNoteFactory(therapy=therapy, papers=[keep, duplicate])
    only_dup = factories.EvidenceNoteFactory(therapy=therapy, papers=[duplicate])
    factories.PivotalTrialFactory(therapy=therapy, paper=keep, name="KEPT")
    factories.PivotalTrialFactory(therapy=therapy, paper=duplicate, name="DROPPED")
    link = {"kind": PaperLink.Kind.ERRATUM_IN, "target_pmid": 980_999_999, "ref_source": "x"}
    factories.PaperLinkFactory(source=keep, **link)
    factories.PaperLinkFactory(source=duplicate, **link)
    factories.PaperLinkFactory(source=duplicate, kind=PaperLink.Kind.COMMENT_IN)

    report = merge_papers(keep=keep, duplicate=duplicate, user=make_user("edith", "Editor"))

    assert list(both.papers.all()) == [keep]
    assert list(only_dup.papers.all()) == [keep]
    assert list(PivotalTrial.objects.filter(therapy=therapy).values_list("name", flat=True)) == [
        "KEPT"
    ]
    assert PaperLink.objects.filter(source=keep).count() == 2
    assert report.dropped == {
        "evidence notes citing it": 1,
        "pivotal trials": 1,
        "PubMed links (errata, comments, ...)": 1,
    }
    assert report.moved["evidence notes citing it"] == 1


def test_the_kept_papers_own_author_and_reference_lists_stay_whole():
    keep = factories.PaperFactory(title="Same")
    duplicate = factories.PaperFactory(title="Same")
    kept_authors = [factories.AuthorshipFactory(paper=keep, position=p).author for p in (1, 2)]
    for position in (1, 2, 3):
        factories.AuthorshipFactory(paper=duplicate, position=position)
    factories.ReferenceFactory(review=keep, position=1, citation="Kept reference.")
    factories.ReferenceFactory(review=duplicate, position=1, citation="Dropped reference.")
    factories.ReferenceFactory(review=duplicate, position=2, citation="Dropped too.")

    report = merge_papers(keep=keep, duplicate=duplicate, user=make_user("edith", "Editor"))

    authors = [a.author for a in Authorship.objects.filter(paper=keep).order_by("position")]
    assert authors == kept_authors
    assert list(Reference.objects.filter(review=keep).values_list("citation", flat=True)) == [
        "Kept reference."
    ]
    assert report.dropped == {"authors": 3, "entries in its reference list": 2}


def test_incoming_links_follow_the_kept_papers_pmid():
    keep = factories.PaperFactory(title="Same")
    duplicate = factories.PaperFactory(title="Same")
    citing = factories.PaperFactory(title="A comment")
    factories.PaperLinkFactory(source=citing, kind="CommentOn", target_pmid=duplicate.pmid)
    merge_papers(keep=keep, duplicate=duplicate, user=make_user("edith", "Editor"))
    assert list(PaperLink.objects.filter(source=citing).values_list("target_pmid", flat=True)) == [
        keep.pmid
    ]


def test_a_paper_cannot_be_merged_into_itself_or_merged_twice():
    keep = factories.PaperFactory(title="Same")
    duplicate = factories.PaperFactory(title="Same")
    user = make_user("edith", "Editor")
    with pytest.raises(MergeError, match="into itself"):
        merge_papers(keep=keep, duplicate=keep, user=user)
    merge_papers(keep=keep, duplicate=duplicate, user=user)
    with pytest.raises(MergeError, match="merged already"):
        merge_papers(keep=keep, duplicate=duplicate, user=user)


def test_a_failed_merge_changes_nothing(monkeypatch):
    pair = build_linked_duplicate()
    before = _counts(pair.duplicate.pk)

    def broken(**kwargs):
        raise RuntimeError("search index down")

    monkeypatch.setattr("papers.duplicates.update_search_vectors", broken)
    with pytest.raises(RuntimeError):
        merge_papers(keep=pair.keep, duplicate=pair.duplicate, user=make_user("e", "Editor"))
    assert _counts(pair.duplicate.pk) == before
    assert EvidenceNote.objects.filter(Q(papers=pair.duplicate)).exists()
