"""Synthetic PubMed efetch XML of realistic size, for the import benchmark.

Each record has a 10-20 word title, a structured abstract of 150-300 words, 1-15 authors with
affiliations (some with ORCIDs), 5-15 MeSH headings with qualifiers, and one in five carries a
reference list of 20-50 entries. Identifiers are visibly synthetic: PMIDs from 950,000,000,
DOIs under the 10.5555 test prefix, MeSH UIs starting with "Z".
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks.synthetic import DOMAIN_WORDS

FIRST_PMID = 950_000_000
DOCTYPE = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
# The web benchmark's vocabulary: common words of MS immunology abstracts.
WORDS = DOMAIN_WORDS
LAST_NAMES = [
    "Berger",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
]
FORE_NAMES = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Katrin",
    "Luca",
    "Maria",
    "Nils",
]
LABELS = ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _author(rng: random.Random, position: int) -> str:
    last, fore = rng.choice(LAST_NAMES), rng.choice(FORE_NAMES)
    orcid = (
        f'<Identifier Source="ORCID">0000-000{rng.randint(1, 9)}-{rng.randint(1000, 9999)}-'
        f"{rng.randint(1000, 9999)}</Identifier>"
        if rng.random() < 0.3
        else ""
    )
    return (
        f'<Author ValidYN="Y"><LastName>{last}</LastName><ForeName>{fore}</ForeName>'
        f"<Initials>{fore[0]}</Initials>{orcid}<AffiliationInfo><Affiliation>Department "
        f"{position} of Neurology, Synthetic University {rng.randint(1, 400)}, Example City."
        f"</Affiliation></AffiliationInfo></Author>"
    )


def _mesh(rng: random.Random) -> str:
    headings = []
    for _ in range(rng.randint(5, 15)):
        ui = rng.randint(1, 3000)
        qualifiers = "".join(
            f'<QualifierName UI="Q{q:06d}" MajorTopicYN="N">{WORDS[q % len(WORDS)]}</QualifierName>'
            for q in rng.sample(range(1, 90), rng.randint(0, 2))
        )
        headings.append(
            f'<MeshHeading><DescriptorName UI="Z{ui:06d}" MajorTopicYN="'
            f'{"Y" if rng.random() < 0.2 else "N"}">{WORDS[ui % len(WORDS)].title()} {ui}'
            f"</DescriptorName>{qualifiers}</MeshHeading>"
        )
    return f"<MeshHeadingList>{''.join(headings)}</MeshHeadingList>"


def _references(rng: random.Random) -> str:
    if rng.random() >= 0.2:
        return ""
    refs = "".join(
        f"<Reference><Citation>{rng.choice(LAST_NAMES)} X, et al. {escape(_words(rng, 6, 12))}. "
        f"Synth J. {rng.randint(1990, 2024)};{rng.randint(1, 90)}:{rng.randint(1, 900)}."
        f'</Citation><ArticleIdList><ArticleId IdType="pubmed">{rng.randint(1, 39_000_000)}'
        f"</ArticleId></ArticleIdList></Reference>"
        for _ in range(rng.randint(20, 50))
    )
    return f"<ReferenceList>{refs}</ReferenceList>"


def record(pmid: int, rng: random.Random) -> str:
    """Return one PubmedArticle element as XML text."""
    abstract = "".join(
        f'<AbstractText Label="{label}" NlmCategory="{label}">{_words(rng, 35, 75)}.</AbstractText>'
        for label in LABELS
    )
    authors = "".join(_author(rng, i) for i in range(1, rng.randint(1, 15) + 1))
    year = rng.randint(1995, 2025)
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}'
        f'</PMID><Article PubModel="Print"><Journal><ISSN IssnType="Print">5555-{pmid % 500:04d}'
        f'</ISSN><JournalIssue CitedMedium="Print"><Volume>{rng.randint(1, 90)}</Volume>'
        f"<Issue>{rng.randint(1, 12)}</Issue><PubDate><Year>{year}</Year><Month>"
        f"{rng.choice(['Jan', 'Mar', 'Jun', 'Sep', 'Dec'])}</Month></PubDate></JournalIssue>"
        f"<Title>Synthetic Journal {pmid % 500}</Title></Journal><ArticleTitle>"
        f"{_words(rng, 10, 20).capitalize()}.</ArticleTitle><Pagination><MedlinePgn>"
        f"{rng.randint(1, 500)}-{rng.randint(501, 900)}</MedlinePgn></Pagination>"
        f'<Abstract>{abstract}</Abstract><AuthorList CompleteYN="Y">{authors}</AuthorList>'
        f'<Language>eng</Language><PublicationTypeList><PublicationType UI="D016428">'
        f"Journal Article</PublicationType></PublicationTypeList></Article><MedlineJournalInfo>"
        f"<MedlineTA>Synth J {pmid % 500}</MedlineTA><ISSNLinking>5555-{pmid % 500:04d}"
        f"</ISSNLinking></MedlineJournalInfo>{_mesh(rng)}</MedlineCitation><PubmedData>"
        f"<PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId "
        f'IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">10.5555/bench.{pmid}'
        f"</ArticleId></ArticleIdList>{_references(rng)}</PubmedData></PubmedArticle>"
    )


def write_records(directory: Path, *, count: int, per_file: int = 500, seed: int = 7) -> list[int]:
    """Write ``count`` records into ``directory`` as PubmedArticleSet files; return the PMIDs."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    pmids = list(range(FIRST_PMID, FIRST_PMID + count))
    for number, start in enumerate(range(0, count, per_file)):
        body = "".join(record(pmid, rng) for pmid in pmids[start : start + per_file])
        path = directory / f"bench_{number:04d}.xml"
        path.write_text(f"{DOCTYPE}<PubmedArticleSet>{body}</PubmedArticleSet>\n", encoding="utf-8")
    return pmids


def write_baseline_files(
    directory: Path,
    *,
    files: int,
    per_file: int,
    first_pmid: int = FIRST_PMID,
    deletions: dict[int, list[int]] | None = None,
    compress: bool = True,
    seed: int = 7,
) -> list[Path]:
    """Write ``files`` PubMed baseline/update-style files of ``per_file`` records each.

    ``deletions`` maps a file's number to PMIDs that file withdraws: they go in one
    <DeleteCitation> at the file's end, as in NCBI's update files. Written as .xml.gz
    (``compress``) a chunk at a time, so a 30,000-record file never sits whole in memory.
    """
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(files):
        suffix = ".xml.gz" if compress else ".xml"
        path = directory / f"synthn{number + 1:04d}{suffix}"
        opener = gzip.open if compress else open
        with opener(path, "wt", encoding="utf-8") as out:
            out.write(f"{DOCTYPE}<PubmedArticleSet>\n")
            start = first_pmid + number * per_file
            for pmid in range(start, start + per_file):
                out.write(record(pmid, rng) + "\n")
            withdrawn = (deletions or {}).get(number, [])
            if withdrawn:
                ids = "".join(f'<PMID Version="1">{pmid}</PMID>' for pmid in withdrawn)
                out.write(f"<DeleteCitation>{ids}</DeleteCitation>\n")
            out.write("</PubmedArticleSet>\n")
        paths.append(path)
    return paths
