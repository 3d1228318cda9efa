"""Full-text search over papers: the text query, the filters, counting and ranking.

The query text goes to PostgreSQL's websearch_to_tsquery, which accepts anything a person types
("quoted phrases", -exclusions, "or") and never raises a syntax error. Author last names are
also matched loosely: each bare word of the query is compared with the folded last names of
authors (pg_trgm similarity where the server has pg_trgm, else exact/prefix), and close names
are added to the query as alternatives, so "Lünnemann" or "Lunemann" find Lünemann.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from papers.models import EvidenceNote, Journal, Paper, Reference
from papers.search.index import SEARCH_CONFIG

PAGE_SIZE = 20
# Counting every match of a very common word reads each match's stored vector and costs more
# than the page itself (100 ms for 10,000 matches on the benchmark machine); past this many the
# page says "more than 1000" instead of an exact figure.
COUNT_CAP = 1_000
# pg_trgm similarity a folded last name must reach to count as a spelling of a query word.
# "lunnemann" scores 0.73 against "lunemann", "luenemann" 0.58, two slips ("lunneman") 0.5.
# A false hit only adds an alternative to the query (papers by that author), never removes one.
NAME_SIMILARITY = 0.5
NAMES_PER_WORD = 5
MAX_NAME_WORDS = 6
# Relevance ranking reads every match's vector; past this many matches only the most recent
# RANK_WINDOW are ranked (see SearchOutcome.ordered).
RANK_ALL_LIMIT = COUNT_CAP
RANK_WINDOW = 500
# The order of the "paper_recent" index, so newest-first pages and the rank window use it.
NEWEST_FIRST = ("-pub_date_sort", "-pmid")

# PubMed's commonest publication types (NLM's controlled list); the filter offers these.
PUBLICATION_TYPES = [
    "Journal Article",
    "Review",
    "Systematic Review",
    "Meta-Analysis",
    "Randomized Controlled Trial",
    "Clinical Trial",
    "Clinical Trial, Phase II",
    "Clinical Trial, Phase III",
    "Controlled Clinical Trial",
    "Multicenter Study",
    "Observational Study",
    "Comparative Study",
    "Case Reports",
    "Practice Guideline",
    "Guideline",
    "Editorial",
    "Comment",
    "Letter",
    "Published Erratum",
    "Retracted Publication",
    "Retraction of Publication",
]

# Letters only (any script), at least four of them, not negated with a leading "-".
_NAME_WORD_RE = re.compile(r"(?<![\w-])([^\W\d_]{4,})")
_QUOTED_RE = re.compile(r'"[^"]*"?')
_OPERATOR_WORDS = {"or", "and", "not"}


@dataclass(frozen=True)
class SearchOutcome:
    """A search ready to count and order: the matching papers and the text query."""

    matches: QuerySet
    query: SearchQuery | None
    sort: str
    filtered: bool = False

    def count(self) -> int:
        """Return how many papers match, counting no further than COUNT_CAP + 1."""
        if self._ranked_by_relevance:
            return min(len(self._recent_matches), COUNT_CAP + 1)
        return self.matches.order_by()[: COUNT_CAP + 1].count()

    def ordered(self, total: int) -> QuerySet:
        """Return the matches in display order, given their (capped) count.

        Ranking needs every match's vector read from disk, which for a word found in most of
        200,000 papers costs far more than a page may. Past RANK_ALL_LIMIT matches, only the
        RANK_WINDOW most recent matches are ranked; the page says so.
        """
        if not self._ranked_by_relevance:
            # The stored vector is the largest column and the page never shows it.
            return (
                self.matches.defer("search_vector")
                .annotate(
                    has_published_notes=Exists(
                        _published_citations().filter(paper_id=OuterRef("pk"))
                    )
                )
                .order_by(*NEWEST_FIRST)
            )
        ids = self._recent_matches
        papers = _by_ids(ids if len(ids) <= RANK_ALL_LIMIT else ids[:RANK_WINDOW])
        return papers.annotate(rank=SearchRank(F("search_vector"), self.query)).order_by(
            "-rank", *NEWEST_FIRST
        )

    @property
    def _ranked_by_relevance(self) -> bool:
        return self.query is not None and self.sort != "newest"

    @cached_property
    def _recent_matches(self) -> list[int]:
        """Return the ids of the most recent matches, up to what counting and ranking need.

        One query serves both the (capped) count and the rank window, so the matches are found
        once. PostgreSQL picks the way: for a common word it walks the recency index and stops
        early; for a rare one it collects the few matches from the text index and sorts them.
        """
        limit = max(COUNT_CAP + 1, RANK_ALL_LIMIT + 1, RANK_WINDOW)
        return list(self.matches.order_by(*self.window_order).values_list("pk", flat=True)[:limit])

    @property
    def window_order(self) -> tuple:
        """Return how to pick the most recent matches.

        A bare text query walks the recency index and stops once it has enough matches. With
        filters that walk can pass thousands of rows before enough qualify, each costing a
        read of its stored vector, so NULLS LAST (which no index serves) steers PostgreSQL to
        the bitmap of the filtered matches and a top-N sort instead.
        """
        if self.filtered:
            return (F("pub_date_sort").desc(nulls_last=True), "-pmid")
        return NEWEST_FIRST

    def ranks_a_window(self, total: int) -> bool:
        """Return whether ordered(total) ranks only the most recent matches."""
        return self.query is not None and self.sort != "newest" and total > RANK_ALL_LIMIT


def _by_ids(ids: list[int]) -> QuerySet:
    """Return the papers with these ids, without testing the text query on them again."""
    return (
        Paper.objects.filter(pk__in=ids)
        .defer("search_vector")
        .annotate(
            has_published_notes=Exists(_published_citations().filter(paper_id=OuterRef("pk")))
        )
    )


def search_papers(criteria: dict) -> SearchOutcome:
    """Return the search described by a valid SearchForm's cleaned_data."""
    matches = Paper.objects.all()
    query = build_text_query(criteria.get("q", ""))
    if query is not None:
        matches = matches.filter(search_vector=query)
    therapy = criteria.get("therapy")
    if therapy:
        matches = matches.tied_to_therapy(therapy)
    filters = _filters_q(criteria)
    matches = matches.filter(filters)
    return SearchOutcome(
        matches=matches,
        query=query,
        sort=criteria.get("sort") or "relevance",
        filtered=bool(filters) or bool(therapy),
    )


def _published_citations() -> QuerySet:
    return EvidenceNote.papers.through.objects.filter(
        evidencenote__status=EvidenceNote.Status.PUBLISHED
    )


def _filters_q(criteria: dict) -> Q:
    """Return the filter part of a search as one Q (all but the text query and the therapy)."""
    condition = Q()
    if criteria.get("year_from"):
        condition &= Q(pub_year__gte=criteria["year_from"])
    if criteria.get("year_to"):
        condition &= Q(pub_year__lte=criteria["year_to"])
    if criteria.get("publication_type"):
        condition &= Q(publication_types__contains=[criteria["publication_type"]])
    if criteria.get("journal"):
        name = criteria["journal"]
        journals = Journal.objects.filter(
            Q(title__iexact=name) | Q(iso_abbreviation__iexact=name) | Q(medline_ta__iexact=name)
        )
        condition &= Q(journal__in=journals)
    if criteria.get("cited_by_review"):
        condition &= Q(Exists(Reference.objects.filter(paper_id=OuterRef("pk"))))
    if criteria.get("has_notes"):
        condition &= Q(Exists(_published_citations().filter(paper_id=OuterRef("pk"))))
    if criteria.get("retracted") == "only":
        condition &= Q(is_retracted=True)
    elif criteria.get("retracted") == "exclude":
        condition &= Q(is_retracted=False)
    return condition


def build_text_query(text: str) -> SearchQuery | None:
    """Return the tsquery for what the user typed, widened with close author names."""
    text = text.strip()
    if not text:
        return None
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    spellings = similar_author_names(_name_words(text))
    alternatives = {word: names for word, names in spellings.items() if set(names) - {word}}
    if not alternatives:
        return query
    # The typed query as is, or: the other words AND, for each word, the word or a close name.
    rest = text
    widened = None
    for word, names in alternatives.items():
        rest = re.sub(rf"(?<![\w-]){re.escape(word)}(?!\w)", " ", rest)
        either = SearchQuery(word, config=SEARCH_CONFIG)
        for name in names:
            either |= SearchQuery(name, config=SEARCH_CONFIG)
        widened = either if widened is None else widened & either
    if rest.strip(" -\"'"):
        widened = SearchQuery(rest, config=SEARCH_CONFIG, search_type="websearch") & widened
    return query | widened


def _name_words(text: str) -> list[str]:
    """Return the bare words of a query that could be someone's last name."""
    unquoted = _QUOTED_RE.sub(" ", text)
    words = []
    for word in _NAME_WORD_RE.findall(unquoted):
        if word.lower() not in _OPERATOR_WORDS and word not in words:
            words.append(word)
    return words[:MAX_NAME_WORDS]


def similar_author_names(words: list[str]) -> dict[str, list[str]]:
    """Return, for each word, the folded author last names spelled like it (one query).

    With pg_trgm: names whose trigram similarity to the folded word reaches NAME_SIMILARITY.
    Without it: names equal to the folded word or starting with it (typos are then not
    forgiven, but accents and case still are).
    """
    if not words:
        return {}
    params: list = []
    parts = []
    if trigram_available():
        for word in words:
            parts.append(
                "(SELECT %s, name FROM (SELECT DISTINCT irtkb_fold(last_name) AS name "
                "FROM papers_author WHERE irtkb_fold(last_name) %% irtkb_fold(%s)) AS candidate "
                "WHERE similarity(name, irtkb_fold(%s)) >= %s "
                "ORDER BY similarity(name, irtkb_fold(%s)) DESC, name LIMIT %s)"
            )
            params += [word, word, word, NAME_SIMILARITY, word, NAMES_PER_WORD]
    else:
        for word in words:
            parts.append(
                "(SELECT DISTINCT %s, irtkb_fold(last_name) AS name FROM papers_author "
                "WHERE irtkb_fold(last_name) LIKE irtkb_fold(%s) || '%%' "
                "ORDER BY name LIMIT %s)"
            )
            params += [word, word, NAMES_PER_WORD]
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for word, name in cursor.fetchall():
            found.setdefault(word, []).append(name)
    return {word: names for word, names in found.items() if names}


_trigram_cache: dict[tuple[str, str], bool] = {}


def trigram_available() -> bool:
    """Return whether pg_trgm is installed in the current database (asked once per process)."""
    key = (connection.alias, str(connection.settings_dict.get("NAME")))
    if key not in _trigram_cache:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram_cache[key] = cursor.fetchone() is not None
    return _trigram_cache[key]


class CappedPaginator(Paginator):
    """A Paginator given its count up front (SearchOutcome.count stops at COUNT_CAP + 1)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count

    @property
    def count_is_capped(self) -> bool:
        return self._count > COUNT_CAP
