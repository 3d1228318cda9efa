"""Metadata for machines: Highwire tags and JSON-LD match the record; canonical links, sitemap
and robots.txt."""

from __future__ import annotations

import json

import pytest
from lxml import etree, html

from tests import factories
from tests.reader.conftest import make_paper

pytestmark = pytest.mark.django_db


def head_of(response):
    assert response.status_code == 200
    return html.fromstring(response.content).find("head")


def meta_tags(head) -> list[tuple[str, str]]:
    return [
        (meta.get("name"), meta.get("content"))
        for meta in head.iter("meta")
        if (meta.get("name") or "").startswith("citation_")
    ]


def json_ld(head) -> dict:
    blocks = head.xpath("//script[@type='application/ld+json']")
    assert len(blocks) == 1
    return json.loads(blocks[0].text)


def test_highwire_tags_on_a_paper_page_match_the_record(client, clean_paper):
    tags = meta_tags(head_of(client.get(clean_paper.get_absolute_url())))

    assert tags == [
        ("citation_title", "Lymphocyte recovery after a pulsed course: a test record."),
        ("citation_author", "Jones, Alice"),
        ("citation_author", "Brinar, VV"),
        ("citation_publication_date", "2012/11/24"),
        ("citation_journal_title", "Journal of Test Neuroimmunology"),
        ("citation_journal_abbrev", "J Test Neuroimmunol"),
        ("citation_volume", "39"),
        ("citation_issue", "4"),
        ("citation_firstpage", "1819"),
        ("citation_lastpage", "1828"),
        ("citation_doi", "10.5555/irtkb.test.1"),
        ("citation_pmid", "990100001"),
        ("citation_issn", "0000-0001"),
        ("citation_language", "eng"),
    ]


def test_a_paper_without_a_last_page_has_no_lastpage_tag(client, retracted_paper):
    tags = dict(meta_tags(head_of(client.get(retracted_paper.get_absolute_url()))))

    assert tags["citation_firstpage"] == "e123"
    assert "citation_lastpage" not in tags


def test_a_paper_page_describes_itself_as_a_scholarly_article(client, clean_paper):
    data = json_ld(head_of(client.get(clean_paper.get_absolute_url())))

    url = f"http://testserver{clean_paper.get_absolute_url()}"
    assert data["@type"] == "ScholarlyArticle"
    assert data["@id"] == url
    assert data["name"] == "Lymphocyte recovery after a pulsed course: a test record."
    assert [a["name"] for a in data["author"]] == ["Alice Jones", "Brinar VV"]
    assert data["datePublished"] == "2012-11-24"
    issue = data["isPartOf"]
    assert (issue["@type"], issue["issueNumber"]) == ("PublicationIssue", "4")
    assert issue["isPartOf"]["volumeNumber"] == "39"
    assert issue["isPartOf"]["isPartOf"]["name"] == "Journal of Test Neuroimmunology"
    assert (data["pageStart"], data["pageEnd"]) == ("1819", "1828")
    assert {i["propertyID"]: i["value"] for i in data["identifier"]} == {
        "DOI": "10.5555/irtkb.test.1",
        "PMID": "990100001",
        "PMCID": "PMC990100001",
    }


def test_json_ld_escapes_markup_so_no_title_can_close_the_script(client, db):
    # Stored titles are sanitised markup; escaped text in them is unescaped into the JSON.
    paper = make_paper(title="Evil &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more")

    body = client.get(paper.get_absolute_url()).content.decode()

    block = body.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003C/script\\u003E" in block
    head = html.fromstring(body.encode()).find("head")
    assert json_ld(head)["name"] == "Evil </script><script>alert(1)</script> & more"


@pytest.mark.parametrize(
    ("slug", "drug_class", "expected"),
    [
        ("alemtuzumab", "Humanised IgG1 monoclonal antibody", "Drug"),
        ("ahsct", "Cell-based procedure: immunoablative conditioning", "MedicalProcedure"),
    ],
)
def test_a_therapy_page_is_a_drug_or_a_procedure(client, db, slug, drug_class, expected):
    therapy = factories.TherapyFactory(slug=slug, name=slug.title(), drug_class=drug_class)

    data = json_ld(head_of(client.get(therapy.get_absolute_url())))

    assert data["@type"] == expected
    assert data["name"] == therapy.name
    assert data["indication"]["name"] == "Multiple sclerosis"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/", "http://testserver/"),
        ("/therapies/", "http://testserver/therapies/"),
        ("/compare/", "http://testserver/compare/"),
        (
            "/therapies/listed/papers/?year=2012&utm_source=x",
            "http://testserver/therapies/listed/papers/?year=2012",
        ),
    ],
)
def test_every_public_page_names_its_canonical_url(client, clean_paper, url, canonical):
    therapy = factories.TherapyFactory(slug="listed")
    factories.PivotalTrialFactory(therapy=therapy, paper=clean_paper)

    head = head_of(client.get(url))

    assert head.xpath("link[@rel='canonical']/@href") == [canonical]


def test_a_paper_page_is_canonical_under_its_slug(client, clean_paper):
    head = head_of(client.get(clean_paper.get_absolute_url()))

    assert head.xpath("link[@rel='canonical']/@href") == [
        f"http://testserver{clean_paper.get_absolute_url()}"
    ]


SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_the_sitemap_lists_the_public_pages_and_every_paper(client, clean_paper, retracted_paper):
    factories.TherapyFactory(slug="mapped")

    index = etree.fromstring(client.get("/sitemap.xml").content)
    sections = index.xpath("//s:sitemap/s:loc/text()", namespaces=SITEMAP)
    locations = []
    for section in sections:
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200
        locations += etree.fromstring(response.content).xpath("//s:loc/text()", namespaces=SITEMAP)

    for path in (
        "/",
        "/therapies/",
        "/compare/",
        "/review/",
        "/therapies/mapped/",
        "/therapies/mapped/papers/",
        clean_paper.get_absolute_url(),
        retracted_paper.get_absolute_url(),
    ):
        assert f"http://testserver{path}" in locations
    assert not any("/search/" in loc or "/export/" in loc for loc in locations)


def test_robots_txt_keeps_crawlers_out_of_search_export_and_private_areas(client, db):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/search/", "/export/", "/admin/", "/accounts/", "/curate/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
