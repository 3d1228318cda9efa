"""Generate synthetic papers for the web benchmark, loaded with COPY in chunks.

Lengths follow PubMed's: titles of 8-22 words, abstracts of 120-320 words (a third of them
structured), 1-15 authors, 5-15 MeSH headings, 0-6 keywords, years 1990-2025. Words are drawn
from a Zipf-like distribution over a biomedical vocabulary plus invented words, so a few terms
are very common and most are rare, as in real text.

Every identifier is visibly synthetic: PMIDs start at SYNTHETIC_PMID_BASE (far above any real
PMID), MeSH UIs start with "Z" (real ones start with "D"), there are no DOIs, and journals,
authors and MeSH names are invented. Nothing here can be mistaken for a real record.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator

from django.db import connection, transaction

from papers.models import EvidenceNote, Therapy

SYNTHETIC_PMID_BASE = 900_000_000
CHUNK = 10_000

# Common words of MS immunology abstracts; the generator adds invented words for the long tail.
DOMAIN_WORDS = [
    "patients",
    "cells",
    "multiple",
    "sclerosis",
    "disease",
    "treatment",
    "immune",
    "therapy",
    "clinical",
    "study",
    "results",
    "relapsing",
    "remitting",
    "progressive",
    "lymphocyte",
    "lymphocytes",
    "depletion",
    "reconstitution",
    "repopulation",
    "B",
    "T",
    "CD4",
    "CD8",
    "CD19",
    "CD20",
    "CD52",
    "regulatory",
    "memory",
    "naive",
    "thymic",
    "output",
    "bone",
    "marrow",
    "transplantation",
    "haematopoietic",
    "stem",
    "cell",
    "autologous",
    "alemtuzumab",
    "cladribine",
    "rituximab",
    "ocrelizumab",
    "ofatumumab",
    "natalizumab",
    "fingolimod",
    "interferon",
    "beta",
    "glatiramer",
    "dimethyl",
    "fumarate",
    "teriflunomide",
    "efficacy",
    "safety",
    "adverse",
    "events",
    "infection",
    "infections",
    "autoimmunity",
    "thyroid",
    "thrombocytopenia",
    "nephropathy",
    "relapse",
    "rate",
    "disability",
    "progression",
    "EDSS",
    "MRI",
    "lesions",
    "gadolinium",
    "enhancing",
    "T2",
    "brain",
    "atrophy",
    "cohort",
    "trial",
    "randomised",
    "randomized",
    "controlled",
    "phase",
    "open",
    "label",
    "extension",
    "follow-up",
    "years",
    "months",
    "baseline",
    "significantly",
    "reduced",
    "increased",
    "compared",
    "placebo",
    "group",
    "groups",
    "analysis",
    "observed",
    "associated",
    "risk",
    "ratio",
    "confidence",
    "interval",
    "hazard",
    "median",
    "mean",
    "range",
    "repertoire",
    "clonal",
    "expansion",
    "diversity",
    "sequencing",
    "receptor",
    "antibody",
    "antibodies",
    "monoclonal",
    "plasma",
    "serum",
    "cerebrospinal",
    "fluid",
    "oligoclonal",
    "bands",
    "neurofilament",
    "light",
    "chain",
    "biomarker",
    "biomarkers",
    "durable",
    "remission",
    "long-term",
    "drug-free",
    "maintenance",
    "dosing",
    "pulsed",
    "course",
    "courses",
    "infusion",
    "oral",
    "tablets",
    "dose",
    "doses",
    "high-dose",
    "immunoablation",
    "conditioning",
    "regimen",
    "mortality",
    "neutropenia",
    "lymphopenia",
    "recovery",
    "kinetics",
    "subsets",
    "subset",
    "population",
    "populations",
    "phenotype",
    "functional",
    "homeostatic",
    "proliferation",
    "memory-like",
    "effector",
    "cytokine",
    "cytokines",
    "interleukin",
    "IL-17",
    "IL-10",
    "interferon-gamma",
    "myeloid",
    "dendritic",
    "natural",
    "killer",
    "NK",
    "cells",
    "monocytes",
    "neutrophils",
    "innate",
    "adaptive",
    "humoral",
    "cellular",
    "tolerance",
    "renewal",
    "mechanism",
    "mechanisms",
    "pathogenesis",
    "demyelination",
    "inflammation",
    "neurodegeneration",
    "axonal",
    "loss",
    "optic",
    "neuritis",
    "clinically",
    "isolated",
    "syndrome",
    "radiologically",
]
FORE_NAMES = [
    "Anna",
    "Jan",
    "Maria",
    "Peter",
    "Thomas",
    "Sofia",
    "Luca",
    "Marco",
    "Elena",
    "Paolo",
    "Heinz",
    "Tobias",
    "Amit",
    "Sarah",
    "David",
    "Laura",
    "Michael",
    "Julia",
    "Andreas",
    "Clara",
    "Jonas",
    "Eva",
    "Mateo",
    "Lucia",
    "Hannah",
    "Felix",
    "Noah",
    "Mia",
    "Ingrid",
    "Lars",
    "Karin",
    "Olga",
    "Ivan",
    "Yuki",
    "Hiro",
    "Mei",
    "Wei",
    "Chen",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Leila",
    "Carlos",
    "Ana",
    "Pedro",
    "Ines",
    "Joao",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vi",
    "ber",
    "gen",
    "hof",
    "man",
    "ler",
    "ner",
    "sch",
    "stein",
    "berg",
    "ari",
    "eli",
    "ona",
    "uri",
]
ACCENTED = ["ü", "ö", "ä", "é", "ñ", "ø", "å", "ç"]
PUBLICATION_TYPE_MIX = [
    (["Journal Article"], 60),
    (["Journal Article", "Review"], 15),
    (["Journal Article", "Randomized Controlled Trial"], 6),
    (["Journal Article", "Clinical Trial"], 4),
    (["Journal Article", "Observational Study"], 5),
    (["Journal Article", "Case Reports"], 5),
    (["Letter"], 2),
    (["Comment"], 2),
    (["Editorial"], 1),
]
SECTION_LABELS = ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
NOTE_TYPES = [choice.value for choice in EvidenceNote.NoteType]


class Vocabulary:
    """Domain words plus invented ones, drawn with Zipf-like weights."""

    def __init__(self, rng: random.Random, size: int = 25_000):
        invented = {
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            for _ in range(size * 3)
        }
        self.words = DOMAIN_WORDS + sorted(invented)[: size - len(DOMAIN_WORDS)]
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 5) for rank in range(len(self.words)))
        )
        self.rng = rng

    def sample(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def sentence(self, low: int, high: int) -> str:
        words = self.sample(self.rng.randint(low, high))
        return " ".join(words).capitalize()


def generate(*, papers: int, seed: int = 20200101, progress=print) -> dict[str, int]:
    """Insert ``papers`` synthetic papers with authors, MeSH and notes; return row counts."""
    rng = random.Random(seed)
    vocabulary = Vocabulary(rng)
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, for COPY
        journal_ids = _copy_journals(cursor, rng, vocabulary, count=max(50, papers // 130))
        author_ids = _copy_authors(cursor, rng, count=max(200, papers * 3 // 4))
        descriptor_ids = _copy_descriptors(cursor, vocabulary, count=3000)
        counts.update(journals=len(journal_ids), authors=len(author_ids))
        paper_ids: list[int] = []
        first_id = _next_id(cursor, "papers_paper")
        for start in range(0, papers, CHUNK):
            size = min(CHUNK, papers - start)
            ids = list(range(first_id + start, first_id + start + size))
            _copy_papers(cursor, rng, vocabulary, ids, journal_ids)
            _copy_authorships(cursor, rng, ids, author_ids)
            _copy_mesh(cursor, rng, ids, descriptor_ids)
            paper_ids.extend(ids)
            progress(f"  synthetic papers: {start + size:,}/{papers:,}")
        for table in ("papers_paper", "papers_journal", "papers_author", "papers_meshdescriptor"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        counts["notes"] = _create_notes(rng, vocabulary, paper_ids)
    counts["papers"] = len(paper_ids)
    return counts


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def _copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_journals(cursor, rng, vocabulary, *, count: int) -> list[int]:
    first = _next_id(cursor, "papers_journal")
    ids = list(range(first, first + count))
    rows = []
    for pk in ids:
        subject = " ".join(word.capitalize() for word in vocabulary.sample(rng.randint(1, 3)))
        title = f"Synthetic Journal of {subject} {pk}"
        abbreviation = f"Synth J {' '.join(word[:5] for word in subject.split())} {pk}"
        rows.append((pk, f"synthetic:{pk}", title, abbreviation, abbreviation, "", "", "", ""))
    columns = ["id", "key", "title", "iso_abbreviation", "medline_ta", "issn_print",
               "issn_electronic", "issn_linking", "nlm_unique_id"]  # fmt: skip
    _copy_rows(cursor, "papers_journal", columns, rows)
    return ids


def _last_name(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    if rng.random() < 0.08:
        position = rng.randrange(1, len(name))
        name = name[:position] + rng.choice(ACCENTED) + name[position + 1 :]
    return name


def _copy_authors(cursor, rng, *, count: int) -> list[int]:
    first = _next_id(cursor, "papers_author")
    ids = list(range(first, first + count))
    rows = []
    for pk in ids:
        fore = rng.choice(FORE_NAMES)
        last = _last_name(rng)
        initials = fore[0] + (rng.choice("ABCDEFGHJKLMNPRS") if rng.random() < 0.4 else "")
        rows.append((pk, f"synthetic:{pk}", last, fore, initials, "", "", ""))
    columns = ["id", "key", "last_name", "fore_name", "initials", "suffix", "collective_name",
               "orcid"]  # fmt: skip
    _copy_rows(cursor, "papers_author", columns, rows)
    return ids


def _copy_descriptors(cursor, vocabulary, *, count: int) -> list[int]:
    first = _next_id(cursor, "papers_meshdescriptor")
    ids = list(range(first, first + count))
    rows = []
    for offset, pk in enumerate(ids):
        name = " ".join(vocabulary.sample(vocabulary.rng.randint(1, 3))).title()
        rows.append((pk, f"Z{offset + 1:08d}", f"{name} ({offset + 1})"))
    _copy_rows(cursor, "papers_meshdescriptor", ["id", "ui", "name"], rows)
    return ids


def _abstract(rng: random.Random, vocabulary: Vocabulary) -> list[dict]:
    total = rng.randint(120, 320)
    if rng.random() < 0.33:
        share = total // len(SECTION_LABELS)
        return [
            {"label": label, "nlm_category": label, "text": _prose(rng, vocabulary, share)}
            for label in SECTION_LABELS
        ]
    return [{"label": "", "nlm_category": "", "text": _prose(rng, vocabulary, total)}]


def _prose(rng: random.Random, vocabulary: Vocabulary, words: int) -> str:
    sentences, left = [], words
    while left > 0:
        length = min(left, rng.randint(12, 28))
        sentences.append(vocabulary.sentence(length, length) + ".")
        left -= length
    return " ".join(sentences)


def _copy_papers(cursor, rng, vocabulary, ids: list[int], journal_ids: list[int]) -> None:
    now = dt.datetime.now(dt.UTC)
    types, type_weights = zip(*PUBLICATION_TYPE_MIX, strict=True)
    rows = []
    for pk in ids:
        year = rng.randint(1990, 2025)
        month = rng.randint(1, 12)
        first_page = rng.randint(1, 2000)
        rows.append(
            (
                pk,
                SYNTHETIC_PMID_BASE + pk,
                vocabulary.sentence(8, 22),
                json.dumps(_abstract(rng, vocabulary)),
                rng.choice(journal_ids),
                str(rng.randint(1, 120)),
                str(rng.randint(1, 12)),
                f"{first_page}-{first_page + rng.randint(3, 15)}",
                year,
                month,
                dt.date(year, month, 1),
                ["eng"],
                rng.choices(types, weights=type_weights)[0],
                vocabulary.sample(rng.randint(0, 6)),
                rng.random() < 0.002,
                "fetched",
                now,
            )
        )
    columns = [
        "id", "pmid", "title", "abstract", "journal_id", "volume", "issue", "pages", "pub_year",
        "pub_month", "pub_date_sort", "languages", "publication_types", "keywords",
        "is_retracted", "fetch_state", "created_at",
    ]  # fmt: skip
    # Columns without a value here are NOT NULL text/boolean ones; give them their defaults.
    constant = {
        "pii": "", "vernacular_title": "", "abstract_copyright": "", "book_title": "",
        "publisher": "", "pub_season": "", "pub_medline_date": "", "publication_status":
        "ppublish", "has_erratum": False, "has_expression_of_concern": False,
        "not_in_pubmed": False, "deleted_from_pubmed": False, "fetch_error": "",
        "source_hash": "",
    }  # fmt: skip
    _copy_rows(
        cursor,
        "papers_paper",
        columns + list(constant),
        (row + tuple(constant.values()) for row in rows),
    )


def _copy_authorships(cursor, rng, paper_ids: list[int], author_ids: list[int]) -> None:
    def rows() -> Iterator[tuple]:
        for paper_id in paper_ids:
            count = min(15, max(1, int(rng.expovariate(1 / 5)) + 1))
            for position, author_id in enumerate(rng.sample(author_ids, count), start=1):
                yield (paper_id, author_id, position, [], False)

    columns = ["paper_id", "author_id", "position", "affiliations", "equal_contribution"]
    _copy_rows(cursor, "papers_authorship", columns, rows())


def _copy_mesh(cursor, rng, paper_ids: list[int], descriptor_ids: list[int]) -> None:
    def rows() -> Iterator[tuple]:
        for paper_id in paper_ids:
            picked = rng.sample(descriptor_ids, rng.randint(5, 15))
            for position, descriptor_id in enumerate(picked, start=1):
                yield (paper_id, descriptor_id, position, rng.random() < 0.25, "[]")

    columns = ["paper_id", "descriptor_id", "position", "major_topic", "qualifiers"]
    _copy_rows(cursor, "papers_papermesh", columns, rows())


def _create_notes(rng, vocabulary, paper_ids: list[int]) -> int:
    """Tie some synthetic papers to the real therapies through published notes."""
    therapies = list(Therapy.objects.all())
    notes = []
    for therapy in therapies:
        for _ in range(60):
            notes.append(
                EvidenceNote(
                    therapy=therapy,
                    statement=f"Synthetic benchmark note: {vocabulary.sentence(15, 40)}.",
                    note_type=rng.choice(NOTE_TYPES),
                    status=EvidenceNote.Status.PUBLISHED,
                )
            )
    EvidenceNote.objects.bulk_create(notes, batch_size=1000)
    through = EvidenceNote.papers.through
    links = [
        through(evidencenote_id=note.pk, paper_id=paper_id)
        for note in notes
        for paper_id in rng.sample(paper_ids, min(len(paper_ids), rng.randint(3, 12)))
    ]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    return len(notes)
