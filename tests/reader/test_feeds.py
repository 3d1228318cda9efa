"""Atom feeds of new or changed evidence and of newly flagged papers, checked as Atom."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from papers.content_version import new_content_version
from papers.models import EvidenceNote
from tests import factories

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
NS = {"a": "http://www.w3.org/2005/Atom"}
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).with_name("atom.rng"))))


def atom(response) -> etree._Element:
    """Parse a feed response, validate it against the Atom schema and RFC 4287's rules."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert SCHEMA.validate(root), SCHEMA.error_log
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        # No content element, so RFC 4287 (4.1.2) asks for an alternate link.
        assert entry.xpath("a:link[@rel='alternate']/@href", namespaces=NS)
    # Every entry needs an author: the feed's own or one of its own (4.1.1).
    assert root.find(f"{ATOM}author") is not None or all(
        e.find(f"{ATOM}author") is not None for e in entries
    )
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    return root


def entry_titles(root) -> list[str]:
    return root.xpath("a:entry/a:title/text()", namespaces=NS)


@pytest.fixture
def notes():
    alemtuzumab = factories.TherapyFactory(name="Alemtuzumab", slug="alemtuzumab")
    cladribine = factories.TherapyFactory(name="Cladribine", slug="cladribine")
    paper = factories.PaperFactory()
    first = factories.EvidenceNoteFactory(
        therapy=alemtuzumab, statement="B cells return *first*.", papers=[paper]
    )
    second = factories.EvidenceNoteFactory(
        therapy=cladribine, statement="Lymphocytes recover <script>x</script> by year two."
    )
    factories.EvidenceNoteFactory(
        therapy=cladribine, statement="A draft nobody should see.", status="draft"
    )
    return first, second


def test_the_evidence_feed_is_valid_atom_with_published_items_only(client, notes):
    first, _ = notes

    root = atom(client.get(reverse("papers:feed-evidence")))

    titles = entry_titles(root)
    assert len(titles) == 2
    assert not any("draft" in title for title in titles)
    assert "Alemtuzumab, immune reconstitution: B cells return first." in titles
    links = root.xpath("a:entry/a:link/@href", namespaces=NS)
    assert f"http://testserver/notes/{first.pk}/" in links
    # Hostile text in a statement arrives sanitised inside an escaped html summary.
    summaries = " ".join(root.xpath("a:entry/a:summary/text()", namespaces=NS))
    assert "<script>" not in summaries
    self_link = root.xpath("a:link[@rel='self']/@href", namespaces=NS)
    assert self_link == ["http://testserver/feeds/evidence.atom"]


def test_a_changed_item_moves_to_the_top_with_its_id_kept(client, notes):
    first, _ = notes
    before = atom(client.get(reverse("papers:feed-evidence")))
    first_id = before.xpath(
        "a:entry[a:link/@href=$href]/a:id/text()",
        namespaces=NS,
        href=f"http://testserver/notes/{first.pk}/",
    )[0]
    later = timezone.now() + dt.timedelta(hours=1)
    EvidenceNote.objects.filter(pk=first.pk).update(updated_at=later)
    new_content_version()  # a queryset update sends no signal

    after = atom(client.get(reverse("papers:feed-evidence")))

    top = after.find(f"{ATOM}entry")
    assert top.findtext(f"{ATOM}id") == first_id
    updated = dt.datetime.fromisoformat(top.findtext(f"{ATOM}updated").replace("Z", "+00:00"))
    assert abs(updated - later) < dt.timedelta(seconds=1)
    assert after.findtext(f"{ATOM}updated") == top.findtext(f"{ATOM}updated")


def test_a_therapy_feed_holds_only_that_therapys_items(client, notes):
    root = atom(client.get(reverse("papers:feed-therapy-evidence", args=["cladribine"])))

    assert root.findtext(f"{ATOM}title") == "irtkb: evidence on Cladribine"
    assert [t.split(":")[0] for t in entry_titles(root)] == ["Cladribine, immune reconstitution"]


def test_an_unknown_therapy_feed_is_a_404(client, db):
    assert client.get(reverse("papers:feed-therapy-evidence", args=["nope"])).status_code == 404


def test_an_empty_feed_is_still_valid_atom(client, db):
    root = atom(client.get(reverse("papers:feed-evidence")))

    assert entry_titles(root) == []


def test_the_flag_feed_lists_papers_newly_retracted_corrected_or_of_concern(client, db):
    therapy = factories.TherapyFactory(name="Rituximab", slug="rituximab")
    retracted = factories.PaperFactory(title="A retracted trial", is_retracted=True)
    corrected = factories.PaperFactory(title="A corrected trial", has_erratum=True)
    factories.EvidenceNoteFactory(therapy=therapy, papers=[retracted])
    factories.PaperChangeFactory(
        paper=retracted, field="is_retracted", old_value=False, new_value=True
    )
    factories.PaperChangeFactory(
        paper=corrected, field="has_erratum", old_value=False, new_value=True
    )
    factories.PaperChangeFactory(paper=corrected, field="title", old_value="x", new_value="y")

    root = atom(client.get(reverse("papers:feed-flagged-papers")))

    assert sorted(entry_titles(root)) == [
        "Corrected (erratum): A corrected trial",
        "Retracted: A retracted trial",
    ]
    summaries = root.xpath("a:entry/a:summary/text()", namespaces=NS)
    assert "1 published evidence item in irtkb cites this paper (Rituximab)." in summaries
    links = root.xpath("a:entry/a:link/@href", namespaces=NS)
    assert f"http://testserver{retracted.get_absolute_url()}" in links


def test_pages_announce_their_feeds_in_the_head(client, notes):
    home = client.get(reverse("papers:home")).content.decode()
    therapy = client.get(reverse("papers:therapy-detail", args=["alemtuzumab"])).content.decode()

    head = home.split("</head>")[0]
    assert 'type="application/atom+xml"' in head
    assert 'href="/feeds/evidence.atom"' in head
    assert 'href="/feeds/flagged-papers.atom"' in head
    assert 'href="/feeds/therapies/alemtuzumab/evidence.atom"' in therapy.split("</head>")[0]


def test_the_schema_rejects_a_feed_missing_what_atom_requires():
    broken = etree.fromstring(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>tag:x,2025:f</id>'
        b"<entry><title>e</title><id>tag:x,2025:e</id></entry></feed>"
    )

    assert not SCHEMA.validate(broken)
