"""The PubMed XML parser, on the project's synthetic fixtures and on hostile input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from papers.pubmed import PubmedParseError, parse_pubmed_xml
from papers.pubmed.records import PartialDate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pubmed"
HTTPS_DOCTYPE = (
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


@pytest.fixture(scope="module")
def parsed():
    result = parse_pubmed_xml((FIXTURES / "rich_set.xml").read_bytes(), source="rich_set.xml")
    return result, {r.pmid: r for r in result.records}


def test_it_reads_every_record_and_the_delete_citations(parsed):
    result, by_pmid = parsed
    assert sorted(by_pmid) == [990000001, 990000002, 990000004, 990000005]
    assert result.deleted_pmids == [990000006, 990000007]
    assert result.errors == []


def test_it_keeps_structured_abstract_labels_and_categories(parsed):
    _, by_pmid = parsed
    sections = by_pmid[990000001].abstract
    assert [(s.label, s.nlm_category) for s in sections] == [
        ("BACKGROUND", "BACKGROUND"),
        ("RESULTS", "RESULTS"),
    ]
    assert (
        sections[0].text == "Depletion with H<sub>2</sub>O-free buffers &amp; <b>bold</b> claims."
    )
    assert by_pmid[990000001].abstract_copyright == "© 2020 Synthetic Press."


def test_it_keeps_inline_markup_and_mathml_but_drops_scripts(parsed):
    _, by_pmid = parsed
    record = by_pmid[990000001]
    assert record.title == "Renewal of <i>CD8</i><sup>+</sup> T cell repertoires after depletion."
    results = record.abstract[1].text
    assert "<math><msup><mi>x</mi><mn>2</mn></msup></math>" in results
    assert "p&lt;0.05." in results
    assert "<script>" not in results


def test_it_prefers_the_article_id_list_doi_and_keeps_pmc_and_pii(parsed):
    _, by_pmid = parsed
    record = by_pmid[990000001]
    assert record.doi == "10.5555/ArticleIdList.0001"
    assert record.pmcid == "PMC9900001"
    assert record.pii == "S5555-0001(20)00001-1"
    # With no ArticleIdList DOI, the valid ELocationID DOI is used.
    assert by_pmid[990000004].doi == "10.5555/SEASON.0004"


def test_it_reads_authors_orcids_affiliations_and_collective_names(parsed):
    _, by_pmid = parsed
    authors = by_pmid[990000001].authors
    assert [a.last_name or a.collective_name for a in authors] == [
        "Lünetest",
        "Rucktest",
        "Synthetic MS Study Group",
    ]  # the ValidYN="N" spelling is left out
    assert authors[0].orcid == "0000-0002-1825-0097"
    assert authors[1].orcid == "0000-0001-5109-3700"  # URL form normalised
    assert authors[0].affiliations == (
        "Department of Neurology, Example University, Münster, Germany.",
        "Second Institute, Example City.",
    )
    assert authors[0].equal_contribution is True
    assert by_pmid[990000004].authors[0].collective_name == "Only Collective Consortium"


@pytest.mark.parametrize(
    ("pmid", "expected", "earliest"),
    [
        (990000001, PartialDate(year=2020, month=1), dt.date(2020, 1, 1)),
        (
            990000002,
            PartialDate(year=1998, month=12, medline_date="1998 Dec-1999 Jan"),
            dt.date(1998, 12, 1),
        ),
        (990000004, PartialDate(year=2001, season="Spring"), dt.date(2001, 3, 1)),
        (990000005, PartialDate(year=2010), dt.date(2010, 1, 1)),
    ],
)
def test_it_reads_partial_publication_dates(parsed, pmid, expected, earliest):
    _, by_pmid = parsed
    assert by_pmid[pmid].pub_date == expected
    assert by_pmid[pmid].pub_date.earliest() == earliest


def test_it_reads_journal_issue_pages_and_electronic_date(parsed):
    _, by_pmid = parsed
    record = by_pmid[990000001]
    assert record.journal.title == "Journal of Synthetic Neuroimmunology"
    assert record.journal.key == "555000001"
    assert record.journal.issn_electronic == "5555-0001"
    assert (record.volume, record.issue, record.pages) == ("16", "1", "56-62")
    assert record.epub_date == dt.date(2019, 10, 24)
    assert record.publication_types == ("Journal Article", "Review")
    assert record.languages == ("eng",)
    assert record.keywords == ("immune reconstitution",)
    assert by_pmid[990000002].languages == ("eng", "ger")


def test_it_reads_mesh_headings_with_qualifiers(parsed):
    _, by_pmid = parsed
    mesh = by_pmid[990000001].mesh
    assert [(m.ui, m.name, m.major_topic) for m in mesh] == [
        ("D009103", "Multiple Sclerosis", True),
        ("D006801", "Humans", False),
    ]
    assert [(q.ui, q.name, q.major_topic) for q in mesh[0].qualifiers] == [
        ("Q000188", "drug therapy", True),
        ("Q000276", "immunology", False),
    ]


def test_it_reads_corrections_and_flags_retractions_and_errata(parsed):
    _, by_pmid = parsed
    review = by_pmid[990000001]
    assert [(k.kind, k.target_pmid) for k in review.links] == [
        ("ErratumIn", 990000009),
        ("CommentIn", None),
    ]  # "Cites" entries duplicate the reference list and are skipped
    assert review.has_erratum and not review.is_retracted
    retracted = by_pmid[990000002]
    assert retracted.is_retracted
    assert retracted.links[0].ref_source == "Arch Test Med. 2001;5:1."


def test_it_numbers_the_reference_list_in_document_order_including_nested_lists(parsed):
    _, by_pmid = parsed
    refs = by_pmid[990000001].references
    assert [(r.position, r.pmid, r.doi) for r in refs] == [
        (1, 990000002, "10.5555/REF.0002"),
        (2, None, "10.5555/REF.0003"),
        (3, None, ""),
    ]
    assert refs[0].citation == "Firstauthor A. et al. A cited paper. J Test 1, 1–2 (2000)."


def test_it_reads_book_chapters(parsed):
    _, by_pmid = parsed
    book = by_pmid[990000005]
    assert book.is_book
    assert book.title == "<i>TEST1</i>-Related Disorders"
    assert book.book_title == "TestReviews<sup>®</sup>"
    assert book.publisher == "Synthetic University Press"
    assert [a.last_name for a in book.authors] == ["Chapterwriter"]  # not the editors
    assert book.publication_types == ("Review",)


def test_the_same_record_hashes_the_same_and_a_change_changes_the_hash(parsed):
    _, by_pmid = parsed
    data = (FIXTURES / "rich_set.xml").read_bytes()
    again = {r.pmid: r for r in parse_pubmed_xml(data).records}
    assert again[990000001].content_hash() == by_pmid[990000001].content_hash()
    edited = parse_pubmed_xml(data.replace(b"<Volume>16</Volume>", b"<Volume>17</Volume>"))
    assert edited.records[0].content_hash() != by_pmid[990000001].content_hash()


def test_an_empty_article_set_is_an_empty_result_not_an_error():
    result = parse_pubmed_xml(b'<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>')
    assert result.records == [] and result.errors == []


BAD_REPLIES = {
    "empty": (b"", "empty reply"),
    "whitespace": (b"  \n ", "empty reply"),
    "truncated": (
        b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1',
        "malformed or truncated XML",
    ),
    "malformed": (b"<PubmedArticleSet><a></b></PubmedArticleSet>", "malformed or truncated XML"),
    "html error page": (b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", "HTML page"),
    "wrong root": (b"<eSearchResult><Count>0</Count></eSearchResult>", "unexpected root"),
    "ncbi error": (
        b"<eFetchResult><ERROR>Cannot retrieve history data</ERROR></eFetchResult>",
        "NCBI error: Cannot retrieve history data",
    ),
    "http doctype": (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2013//EN" "http://www.ncbi.nlm.nih.gov/corehtml/query/DTD/pubmed_130101.dtd">'
        b"<PubmedArticleSet></PubmedArticleSet>",
        "insecure http:// DOCTYPE",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
def test_bad_replies_raise_a_typed_error_naming_the_source_and_reason(case):
    data, reason = BAD_REPLIES[case]
    with pytest.raises(PubmedParseError) as caught:
        parse_pubmed_xml(data, source="PMIDs 1,2")
    assert caught.value.source == "PMIDs 1,2"
    assert reason in caught.value.reason


def test_a_record_without_a_pmid_is_reported_and_the_others_still_parse():
    data = (
        b'<?xml version="1.0"?>\n' + HTTPS_DOCTYPE + b"<PubmedArticleSet>"
        b"<PubmedArticle><MedlineCitation><PMID>abc</PMID><Article><ArticleTitle>X</ArticleTitle>"
        b"</Article></MedlineCitation></PubmedArticle>"
        b"<PubmedArticle><MedlineCitation><PMID>990000010</PMID><Article><ArticleTitle>Good."
        b"</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    result = parse_pubmed_xml(data)
    assert [r.pmid for r in result.records] == [990000010]
    [error] = result.errors
    assert error.pmid is None and error.label == "record without PMID"
    assert "missing or invalid PMID" in error.reason


def test_a_record_that_cannot_be_read_is_reported_with_its_pmid():
    data = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>990000013</PMID>"
        b"</MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    [error] = parse_pubmed_xml(data).errors
    assert error.pmid == 990000013 and error.label == "PMID 990000013"
    assert "without Article" in error.reason


def test_entities_are_not_expanded():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>990000011</PMID><Article>"
        b"<ArticleTitle>&x;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    result = parse_pubmed_xml(data)
    assert "root:" not in result.records[0].title


def test_escaped_markup_in_plain_text_stays_text():
    data = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>990000012</PMID><Article>"
        b'<ArticleTitle>A "quoted" &amp; &lt;script&gt;alert(1)&lt;/script&gt; title</ArticleTitle>'
        b"</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    title = parse_pubmed_xml(data).records[0].title
    assert title == 'A "quoted" &amp; &lt;script&gt;alert(1)&lt;/script&gt; title'
