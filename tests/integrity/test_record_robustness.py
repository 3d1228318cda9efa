"""One malformed record fails alone, with its PMID and reason; blanks never overwrite; new
names are inserted in a fixed order (issue 10, part 6)."""

from __future__ import annotations

import uuid

import pytest

from eutils_replay import running_replay_server
from papers import ingest, refresh
from papers.ingest import upsert_papers
from papers.models import Author, Paper, RefreshJob
from papers.pubmed import parse_pubmed_xml
from tests.integrity.bad_rows import write_around_the_rules
from tests.integrity.crafted import article, article_set, author, nested_markup, write_fixtures

pytestmark = pytest.mark.django_db
BASE = 990_100_000
GOOD = [BASE + n for n in range(1, 6)]
LONG_PAGES, LONG_GROUP, BAD_YEAR, DEEP = BASE + 11, BASE + 12, BASE + 13, BASE + 14


def _malformed_set() -> list[str]:
    return [
        *(article(p) for p in GOOD[:2]),
        article(LONG_PAGES, pages="1-" + "9" * 148),
        article(LONG_GROUP, authors=[author(collective="G" * 450), author(collective="H" * 462)]),
        article(BAD_YEAR, year="20019"),
        article(DEEP, title_xml=nested_markup(1200)),
        *(article(p) for p in GOOD[2:]),
    ]


def test_the_parser_keeps_deep_markup_from_escaping_as_recursion_error():
    parsed = parse_pubmed_xml(
        article_set(article(DEEP, title_xml=nested_markup(1200)), article(GOOD[0]))
    )

    assert [r.pmid for r in parsed.records] == [GOOD[0]]
    assert [(e.pmid, e.reason) for e in parsed.errors] == [
        (DEEP, "inline markup nested more than 100 levels deep")
    ]


def test_an_overflowing_date_fails_nothing_but_its_own_field():
    huge_day = article(GOOD[0]).replace(
        "<Language>",
        '<ArticleDate DateType="Electronic"><Year>2020</Year><Month>1</Month>'
        f"<Day>{'9' * 30}</Day></ArticleDate><Language>",
    )
    parsed = parse_pubmed_xml(article_set(huge_day))
    assert parsed.errors == [] and parsed.records[0].epub_date is None


def test_malformed_records_are_refused_alone_with_their_reasons_at_store():
    parsed = parse_pubmed_xml(article_set(*_malformed_set()))

    summary = upsert_papers(records=parsed.records)

    assert sorted(summary.refused) == [LONG_PAGES, BAD_YEAR]
    assert (
        "page field is 150 characters long; irtkb stores at most 100" in summary.refused[LONG_PAGES]
    )
    assert summary.refused[BAD_YEAR] == "the publication year 20019 is not a year"
    # The 450- and 462-character group names are stored whole (once a KeyError mid-batch).
    assert set(Paper.objects.values_list("pmid", flat=True)) == {*GOOD, LONG_GROUP}
    names = Paper.objects.get(pmid=LONG_GROUP).authorships.values_list(
        "author__collective_name", flat=True
    )
    assert sorted(len(n) for n in names) == [450, 462]
    assert all(len(a.key) <= 400 for a in Author.objects.all())


def test_a_job_with_malformed_records_completes_the_rest(tmp_path, settings):
    fixtures = write_fixtures(tmp_path / "pubmed", *_malformed_set())
    with running_replay_server(fixtures) as server:
        settings.EUTILS_BASE_URL = server.base_url
        settings.NCBI_RATE_LIMIT_KEY = f"irtkb:test:{uuid.uuid4().hex}"
        settings.REFRESH_BATCH_SIZE = 3  # the bad records spread over several batches
        job = refresh.create_job(
            kind=RefreshJob.Kind.IMPORT,
            trigger=RefreshJob.Trigger.COMMAND,
            pmids=[*GOOD, LONG_PAGES, LONG_GROUP, BAD_YEAR, DEEP],
        )
        job = refresh.run_refresh_job(job_id=job.pk)

    assert job.status == RefreshJob.Status.PARTIAL
    assert (job.done, job.total, job.new_count, job.failed_count) == (9, 9, 6, 3)
    assert set(job.identifier_errors()) == {str(LONG_PAGES), str(BAD_YEAR), str(DEEP)}
    assert "page field" in job.identifier_errors()[str(LONG_PAGES)]
    assert "nested" in job.identifier_errors()[str(DEEP)]
    assert set(Paper.objects.filter(fetch_state="fetched").values_list("pmid", flat=True)) == {
        *GOOD,
        LONG_GROUP,
    }


def test_a_record_the_database_refuses_fails_alone_in_words(settings):
    """Past the screen (a row written around the rules): the batch is retried record by record."""
    stored = Paper.objects.create(pmid=GOOD[0], doi=None, title="Stored.")
    write_around_the_rules("UPDATE papers_paper SET doi = 'not a doi' WHERE id = %s", [stored.pk])
    records = parse_pubmed_xml(
        article_set(article(GOOD[0], doi=""), article(GOOD[1]), article(GOOD[2]))
    ).records

    summary, failures = ingest.upsert_isolating(records=records, job=None)

    assert sorted(Paper.objects.get(pmid=p).pk for p in GOOD[1:3]) == sorted(summary.new)
    assert list(failures) == [GOOD[0]]
    assert failures[GOOD[0]].startswith("the stored DOI is not a DOI")
    assert "paper_doi_valid" not in failures[GOOD[0]]


BLANK_ABSTRACTS = [
    "<Abstract/>",
    "<Abstract></Abstract>",
    "<Abstract><AbstractText/></Abstract>",
    "<Abstract><AbstractText></AbstractText></Abstract>",
    "<Abstract><AbstractText>   </AbstractText></Abstract>",
    '<Abstract><AbstractText Label="RESULTS"/></Abstract>',
    "<Abstract><AbstractText><i></i></AbstractText></Abstract>",
    "<Abstract><AbstractText/><AbstractText> </AbstractText></Abstract>",
    "",
]


@pytest.mark.parametrize("blank", BLANK_ABSTRACTS)
def test_a_blank_abstract_never_overwrites_a_stored_one(blank):
    upsert_papers(records=parse_pubmed_xml(article_set(article(GOOD[0]))).records)
    stored = Paper.objects.get(pmid=GOOD[0]).abstract

    record = parse_pubmed_xml(article_set(article(GOOD[0], title="New title.", abstract_xml=blank)))
    upsert_papers(records=record.records)

    paper = Paper.objects.get(pmid=GOOD[0])
    assert paper.title == "New title." and paper.abstract == stored
    assert stored[0]["text"] == f"Abstract of {GOOD[0]}."


@pytest.mark.parametrize(
    "nameless", ["<Author/>", '<Author ValidYN="Y"><Initials></Initials></Author>']
)
def test_an_author_list_of_one_nameless_author_keeps_the_stored_authors(nameless):
    five = [author(f"Realtest{n}", "Ann", "A") for n in range(5)]
    upsert_papers(records=parse_pubmed_xml(article_set(article(GOOD[0], authors=five))).records)

    upsert_papers(
        records=parse_pubmed_xml(article_set(article(GOOD[0], authors=[nameless]))).records
    )

    names = Paper.objects.get(pmid=GOOD[0]).authorships.values_list("author__last_name", flat=True)
    assert list(names) == [f"Realtest{n}" for n in range(5)]


def test_a_400_character_keyword_is_stored_whole():
    keyword = "k" * 400
    upsert_papers(
        records=parse_pubmed_xml(article_set(article(GOOD[0], keywords=[keyword, "short"]))).records
    )
    assert Paper.objects.get(pmid=GOOD[0]).keywords == [keyword, "short"]


def test_new_authors_journals_and_descriptors_are_inserted_in_sorted_order():
    """Two batches sharing new names take their locks in one order: no deadlock."""
    names = ["Zulutest", "Mikotest", "Alphatest", "Kilotest"]
    records = parse_pubmed_xml(
        article_set(article(GOOD[0], authors=[author(n, "B", "B") for n in names]))
    ).records

    upsert_papers(records=records)

    # Ids come from a sequence in insert order, so they show the order the rows went in.
    inserted = Author.objects.filter(last_name__in=names).order_by("id")
    assert list(inserted.values_list("last_name", flat=True)) == sorted(names)
