"""Each export format, rendered for a hand-built paper, with exact expected field values."""

from __future__ import annotations

import json

import bibtexparser
import jsonschema
import pytest
import rispy

from papers.export import (
    format_nlm_citation,
    paper_to_csl,
    render_bibtex,
    render_csl_json,
    render_ris,
)
from papers.models import Paper

pytestmark = pytest.mark.django_db


def loaded(paper: Paper) -> Paper:
    return Paper.objects.with_listing().get(pk=paper.pk)


# The CSL-JSON variables and structures irtkb writes, after the CSL 1.0.2 data schema: names
# are family/given/suffix or one literal; dates are date-parts (1-3 numbers), season, literal.
CSL_SUBSET_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "type"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "type": {"enum": ["article-journal", "chapter"]},
            "title": {"type": "string"},
            "author": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["family"],
                            "additionalProperties": False,
                            "properties": {
                                "family": {"type": "string"},
                                "given": {"type": "string"},
                                "suffix": {"type": "string"},
                            },
                        },
                        {
                            "type": "object",
                            "required": ["literal"],
                            "additionalProperties": False,
                            "properties": {"literal": {"type": "string"}},
                        },
                    ]
                },
            },
            "issued": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "date-parts": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1,
                        "items": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 3,
                            "items": {"type": "integer"},
                        },
                    },
                    "season": {"type": "integer", "minimum": 1, "maximum": 4},
                    "literal": {"type": "string"},
                },
            },
            **{
                key: {"type": "string"}
                for key in (
                    "container-title",
                    "container-title-short",
                    "ISSN",
                    "volume",
                    "issue",
                    "page",
                    "publisher",
                    "DOI",
                    "PMID",
                    "PMCID",
                    "URL",
                    "abstract",
                    "keyword",
                )
            },
        },
    },
}


def test_csl_json_for_the_review(review):
    item = paper_to_csl(loaded(review))

    assert item == {
        "id": "pmid:31649335",
        "type": "article-journal",
        "title": "Immune reconstitution therapies: concepts for durable remission in multiple "
        "sclerosis.",
        "author": [
            {"family": "Lünemann", "given": "Jan D"},
            {"family": "Ruck", "given": "Tobias"},
            {"family": "Muraro", "given": "Paolo A"},
            {"family": "Bar-Or", "given": "Amit"},
            {"family": "Wiendl", "given": "Heinz"},
        ],
        "container-title": "Nature reviews. Neurology",
        "container-title-short": "Nat Rev Neurol",
        "ISSN": "1759-4766",
        "issued": {"date-parts": [[2020, 1]]},
        "volume": "16",
        "issue": "1",
        "page": "56-62",
        "DOI": "10.1038/s41582-019-0268-z",
        "PMID": "31649335",
        "URL": "https://pubmed.ncbi.nlm.nih.gov/31649335/",
        "abstract": "New so-called immune reconstitution therapies (IRTs) have the potential to "
        "induce long-term or even permanent drug-free remission in people with multiple "
        "sclerosis (MS).",
    }


def test_csl_json_keeps_collective_names_seasons_and_suffixes(awkward_paper):
    item = paper_to_csl(loaded(awkward_paper))

    assert item["author"] == [
        {"family": "Østergaard", "given": "Søren"},
        {"family": "Smith", "given": "John", "suffix": "Jr"},
        {"literal": "MS Study Group & Partners"},
    ]
    assert item["issued"] == {"date-parts": [[2018]], "season": 1}
    assert item["title"] == "CD20+ B cells & 50% of T_reg {cells} $5 #1 ~ ^ \\ in São Paulo"
    assert item["abstract"] == "BACKGROUND: Line one\nline two. RESULTS: β-cells ≥ 2 µg."
    assert item["keyword"] == "immune reconstitution, B cells"
    assert "DOI" not in item and "issue" not in item


def test_csl_json_file_is_valid_and_utf8(review, awkward_paper):
    text = render_csl_json([loaded(review), loaded(awkward_paper)])
    data = json.loads(text)

    jsonschema.validate(data, CSL_SUBSET_SCHEMA)
    assert "Lünemann" in text  # not \u00fc: the file is UTF-8


def test_csl_json_gives_year_month_day_when_all_are_known(review):
    review.pub_day = 7
    review.save()

    assert paper_to_csl(loaded(review))["issued"] == {"date-parts": [[2020, 1, 7]]}


def test_csl_json_falls_back_to_the_medline_date_literal(review):
    review.pub_year = None
    review.pub_month = None
    review.pub_medline_date = "1998 Dec-1999 Jan"
    review.save()

    assert paper_to_csl(loaded(review))["issued"] == {"literal": "1998 Dec-1999 Jan"}


def test_bibtex_for_the_review(review):
    assert render_bibtex([loaded(review)]) == (
        "@article{Lunemann2020Immune,\n"
        '\tauthor = {L{\\"u}nemann, Jan D and Ruck, Tobias and Muraro, Paolo A and '
        "Bar-Or, Amit and Wiendl, Heinz},\n"
        "\ttitle = {Immune reconstitution therapies: concepts for durable remission in "
        "multiple sclerosis.},\n"
        "\tjournal = {Nature reviews. Neurology},\n"
        "\tyear = 2020,\n"
        "\tmonth = jan,\n"
        "\tvolume = 16,\n"
        "\tnumber = 1,\n"
        "\tpages = {56--62},\n"
        "\tissn = {1759-4766},\n"
        "\tdoi = {10.1038/s41582-019-0268-z},\n"
        "\tpmid = {31649335}\n"
        "}\n"
    )


def test_bibtex_escapes_latex_specials_and_non_ascii(awkward_paper):
    text = render_bibtex([loaded(awkward_paper)])
    fields = bibtexparser.parse_string(text).entries[0].fields_dict

    assert fields["author"].value == (
        "{\\O}stergaard, S{\\o}ren and Smith, Jr, John and {MS Study Group {\\&} Partners}"
    )
    assert fields["title"].value == (
        "{CD20+} B cells {\\&} 50{\\%} of T{\\_}reg {\\{}cells{\\}} {\\$}5 {\\#}1 "
        "{\\textasciitilde} {\\textasciicircum} {\\textbackslash} in S{\\~a}o Paulo"
    )
    assert fields["journal"].value == "Journal of Tests {\\&} Trials"
    assert fields["year"].value == "2018"
    assert "month" not in fields  # a season is not a month
    assert "doi" not in fields


def test_bibtex_round_trips_through_a_parser_with_unique_keys(review, awkward_paper):
    twin = Paper.objects.get(pk=review.pk)
    twin.pk = None
    twin.pmid = 990000002
    twin.doi = None
    twin.save()
    for authorship in review.authorships.all():
        authorship.pk = None
        authorship.paper = twin
        authorship.save()

    library = bibtexparser.parse_string(
        render_bibtex(Paper.objects.with_listing().order_by("pk"), note="a note")
    )

    assert [entry.key for entry in library.entries] == [
        "Lunemann2020Immune",
        "Ostergaard2018CD20",
        "Lunemann2020Immunea",
    ]
    assert not library.failed_blocks
    assert library.comments[0].comment == "a note"


def test_ris_for_the_review(review):
    text = render_ris([loaded(review)])

    assert text == "\r\n".join(
        [
            "TY  - JOUR",
            "AU  - Lünemann, Jan D",
            "AU  - Ruck, Tobias",
            "AU  - Muraro, Paolo A",
            "AU  - Bar-Or, Amit",
            "AU  - Wiendl, Heinz",
            "TI  - Immune reconstitution therapies: concepts for durable remission in multiple "
            "sclerosis.",
            "T2  - Nature reviews. Neurology",
            "J2  - Nat Rev Neurol",
            "PY  - 2020",
            "DA  - 2020/01//",
            "VL  - 16",
            "IS  - 1",
            "SN  - 1759-4766",
            "DO  - 10.1038/s41582-019-0268-z",
            "AB  - New so-called immune reconstitution therapies (IRTs) have the potential to "
            "induce long-term or even permanent drug-free remission in people with multiple "
            "sclerosis (MS).",
            "UR  - https://pubmed.ncbi.nlm.nih.gov/31649335/",
            "SP  - 56",
            "EP  - 62",
            "AN  - 31649335",
            "DB  - PubMed",
            "N1  - PMID: 31649335",
            "ER  - ",
            "",
        ]
    )


def test_ris_lines_follow_the_tag_format_and_values_stay_on_one_line(review, awkward_paper):
    text = render_ris([loaded(review), loaded(awkward_paper)])
    lines = text.split("\r\n")

    assert "\n" not in text.replace("\r\n", "")
    for line in lines:
        assert line == "" or (line[:2].isalnum() and line[2:6] == "  - "), repr(line)
    assert lines.count("ER  - ") == 2
    assert "AU  - Smith, John, Jr" in lines
    assert "AU  - MS Study Group & Partners" in lines
    assert "AB  - BACKGROUND: Line one line two. RESULTS: β-cells ≥ 2 µg." in lines
    assert "KW  - immune reconstitution" in lines
    assert "SP  - e12" in lines

    records = rispy.loads(text)
    assert records[0]["title"].startswith("Immune reconstitution")
    assert records[1]["authors"][0] == "Østergaard, Søren"


def test_nlm_citation_matches_pubmeds_cite_box(review):
    assert format_nlm_citation(loaded(review)) == (
        "Lünemann JD, Ruck T, Muraro PA, Bar-Or A, Wiendl H. Immune reconstitution therapies: "
        "concepts for durable remission in multiple sclerosis. Nat Rev Neurol. 2020 Jan;"
        "16(1):56-62. doi: 10.1038/s41582-019-0268-z. Epub 2019 Oct 24. PMID: 31649335."
    )


def test_nlm_citation_handles_collective_names_seasons_and_pmcid(awkward_paper):
    awkward_paper.pmcid = "PMC0000001"
    awkward_paper.save()

    assert format_nlm_citation(loaded(awkward_paper)) == (
        "Østergaard S, Smith J Jr, MS Study Group & Partners. CD20+ B cells & 50% of T_reg "
        "{cells} $5 #1 ~ ^ \\ in São Paulo. J Tests Trials. 2018 Spring;3:e12. PMID: 990000001; "
        "PMCID: PMC0000001."
    )
