"""What each E-utility answers, independent of HTTP: parameters in, reply body out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eutils_replay import replies, textsearch
from eutils_replay.fixtures import FixtureIndex
from eutils_replay.history import History

Params = dict[str, list[str]]
# Given the PMIDs an efetch reply would carry, return those to leave out (the omit fault).
Omitter = Callable[[Sequence[int]], Sequence[int]]
XML = "text/xml; charset=UTF-8"
# efetch serves at most this many records per request, as NCBI does.
EFETCH_MAX = 10_000
ESEARCH_DEFAULT_RETMAX = 20
LINK_REFS = "pubmed_pubmed_refs"
LINK_CITEDIN = "pubmed_pubmed_citedin"
LINK_SIMILAR = "pubmed_pubmed"

_FIELD_TERM = re.compile(r"^(?P<value>.+?)\s*\[(?P<field>[A-Za-z ]+)\]$")
_OR = re.compile(r"\s+OR\s+")
_ID_FIELD = re.compile(r"\[(pmid|uid|doi)\]", re.IGNORECASE)


@dataclass
class Reply:
    """A reply body with its status, and the number of ids the request named (for the log).

    ``omitted`` lists the PMIDs an efetch reply left out on purpose (the omit fault).
    """

    body: bytes
    status: int = 200
    content_type: str = XML
    ids: int = 0
    term: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    omitted: tuple[int, ...] = ()


class BadParameter(Exception):
    """A request NCBI would answer with an in-band ``<ERROR>``."""


class Eutils:
    """Answer efetch, esearch and elink from a fixture index and a history store.

    esearch with ``usehistory=y`` and free text serves watched searches (textsearch.py);
    elink serves related papers (papers/pubmed/links.py).
    """

    def __init__(self, index: FixtureIndex, history: History | None = None) -> None:
        self.index = index
        self.history = history or History()

    def answer(self, endpoint: str, params: Params, *, omit: Omitter | None = None) -> Reply:
        """Return the reply for ``endpoint`` ("efetch", ...); bad parameters become <ERROR>.

        ``omit`` picks records for efetch to leave out silently; other endpoints ignore it.
        """
        try:
            if endpoint == "efetch":
                return self._efetch(params, omit=omit)
            return getattr(self, f"_{endpoint}")(params)
        except BadParameter as exc:
            return Reply(replies.error_reply(endpoint, str(exc)), ids=len(_ids(params)))

    def _efetch(self, params: Params, *, omit: Omitter | None = None) -> Reply:
        _require_pubmed(params, "db")
        retmode = _one(params, "retmode") or "xml"
        rettype = _one(params, "rettype") or "xml"
        if retmode != "xml" or rettype not in ("xml", "full"):
            raise BadParameter(
                f"replay server serves retmode=xml only (asked retmode={retmode}, "
                f"rettype={rettype})"
            )
        ids = _numeric(_ids(params))
        if not ids:
            ids = self._from_history(params)
        retstart = _int(params, "retstart", 0)
        retmax = min(_int(params, "retmax", EFETCH_MAX), EFETCH_MAX)
        wanted = list(dict.fromkeys(ids))[retstart : retstart + retmax]
        found = [pmid for pmid in wanted if pmid in self.index.by_pmid]
        omitted = set(omit(found)) if omit else set()
        records = [self.index.by_pmid[pmid].xml for pmid in found if pmid not in omitted]
        return Reply(
            replies.pubmed_article_set(records),
            ids=len(wanted),
            omitted=tuple(pmid for pmid in found if pmid in omitted),
        )

    def _from_history(self, params: Params) -> list[int]:
        webenv = _one(params, "WebEnv")
        query_key = _one(params, "query_key")
        if not webenv or not query_key:
            raise BadParameter("Empty id list - nothing todo")
        if not query_key.isdigit():
            raise BadParameter(f"Invalid query_key: {query_key}")
        ids = self.history.lookup(webenv, int(query_key))
        if ids is None:
            raise BadParameter(
                f"Cannot retrieve history data. query_key: {query_key}, WebEnv: {webenv}"
            )
        return ids

    def _esearch(self, params: Params) -> Reply:
        _require_pubmed(params, "db")
        term = (_one(params, "term") or "").strip()
        if not term:
            raise BadParameter("Empty term and query_key - nothing todo")
        hits, translation, not_found = self._search(term)
        if not hits and _is_free_text(term):
            hits, translation, not_found = self._text_search(term, params), term, []
        else:
            hits = self._in_date_range(hits, params)
        retstart = _int(params, "retstart", 0)
        retmax = _int(params, "retmax", ESEARCH_DEFAULT_RETMAX)
        history = None
        if (_one(params, "usehistory") or "").lower() == "y":
            history = self.history.store(hits, _one(params, "WebEnv"))
        body = replies.esearch_result(
            count=len(hits),
            retstart=retstart,
            ids=hits[retstart : retstart + retmax],
            query_translation=translation,
            phrase_not_found=" ".join(not_found) or None,
            history=history,
        )
        return Reply(body, term=term)

    def _in_date_range(self, hits: list[int], params: Params) -> list[int]:
        """Keep the hits whose record changed between mindate and maxdate (datetype=mdat).

        NCBI needs both dates; the replay server knows modification dates only (a fixture's
        DateRevised), so other date types are refused rather than silently ignored.
        """
        datetype = _one(params, "datetype")
        mindate, maxdate = _one(params, "mindate"), _one(params, "maxdate")
        if not (datetype or mindate or maxdate):
            return hits
        if datetype != "mdat":
            raise BadParameter(f"replay server filters on datetype=mdat only, not {datetype}")
        if not (mindate and maxdate):
            raise BadParameter("mindate and maxdate must be given together")
        low, high = _date(mindate, first=True), _date(maxdate, first=False)
        return [
            pmid
            for pmid in hits
            if (modified := self.index.by_pmid[pmid].modified) and low <= modified <= high
        ]

    def _search(self, term: str) -> tuple[list[int], str, list[str]]:
        """Resolve a term of PMIDs and DOIs joined by OR; return hits, translation, misses."""
        hits: set[int] = set()
        translated: list[str] = []
        not_found: list[str] = []
        for part in _OR.split(term):
            part = part.strip().strip("()").strip()
            value, field_name = part, ""
            match = _FIELD_TERM.match(part)
            if match:
                value, field_name = match["value"].strip(), match["field"].strip().lower()
            value = value.strip('"').strip()
            if field_name in ("pmid", "uid") or (not field_name and value.isdigit()):
                pmid = int(value) if value.isdigit() else None
                found = [pmid] if pmid in self.index.by_pmid else []
                translated.append(f"{value}[UID]")
            elif field_name == "doi" or (not field_name and value.startswith("10.")):
                found = self.index.pmids_for_doi(value)
                translated.append(f'"{value}"[DOI]')
            else:
                # Free text and other fields are beyond a replay server: report no match.
                found = []
                translated.append(f"({part}[All Fields])")
            if found:
                hits.update(found)
            else:
                not_found.append(value)
        return sorted(hits, reverse=True), " OR ".join(translated), not_found

    def _text_search(self, term: str, params: Params) -> list[int]:
        """Return the PMIDs whose records match ``term`` in the date window, newest first."""
        try:
            mindate = textsearch.parse_date(_one(params, "mindate"))
            maxdate = textsearch.parse_date(_one(params, "maxdate"))
        except textsearch.BadDate as exc:
            raise BadParameter(str(exc)) from exc
        datetype = _one(params, "datetype") or "pdat"
        found = []
        for pmid, record in self.index.by_pmid.items():
            searchable = textsearch.searchable(record.xml)
            if textsearch.matches(term, searchable) and textsearch.in_window(
                searchable, datetype, mindate, maxdate
            ):
                found.append((searchable.edat or dt.date.min, pmid))
        return [pmid for _, pmid in sorted(found, reverse=True)]

    def _elink(self, params: Params) -> Reply:
        _require_pubmed(params, "dbfrom")
        db = _one(params, "db") or "pubmed"
        if db != "pubmed":
            raise BadParameter(f"replay server links pubmed to pubmed only, not {db}")
        cmd = _one(params, "cmd") or "neighbor"
        if cmd != "neighbor":
            raise BadParameter(f"replay server supports cmd=neighbor only, not {cmd}")
        link_name = _one(params, "linkname")
        names = [link_name] if link_name else [LINK_REFS, LINK_CITEDIN]
        link_sets = []
        # Bio.Entrez.elink sends each id as its own "id" parameter (one LinkSet each); ids
        # joined by commas in one parameter share a LinkSet, as at NCBI.
        for value in params.get("id", []):
            source_ids = _numeric(v.strip() for v in value.split(",") if v.strip())
            links = {name: self._linked(name, source_ids) for name in names}
            link_sets.append((source_ids, links))
        if not link_sets:
            raise BadParameter("Empty id list - nothing todo")
        return Reply(replies.elink_result(link_sets), ids=len(_ids(params)))

    def _linked(self, link_name: str, source_ids: list[int]) -> list[int]:
        linked: dict[int, None] = {}
        for pmid in source_ids:
            if link_name == LINK_REFS:
                record = self.index.by_pmid.get(pmid)
                linked.update(dict.fromkeys(record.cited_pmids if record else ()))
            elif link_name == LINK_CITEDIN:
                linked.update(dict.fromkeys(self.index.cited_by.get(pmid, ())))
            elif link_name == LINK_SIMILAR and pmid in self.index.by_pmid:
                linked.update(dict.fromkeys(textsearch.similar(pmid, self.index.by_pmid)))
        return list(linked)


def _is_free_text(term: str) -> bool:
    """Return True for a query that names no PMID or DOI (a watched search's query)."""
    if _ID_FIELD.search(term):
        return False
    return not any(
        p.strip('()" ').isdigit() or p.strip('()" ').startswith("10.") for p in _OR.split(term)
    )


def _one(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _ids(params: Params) -> list[str]:
    return [
        part.strip() for value in params.get("id", []) for part in value.split(",") if part.strip()
    ]


def _numeric(values) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _int(params: Params, name: str, default: int) -> int:
    raw = _one(params, name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise BadParameter(f"Invalid {name}: {raw}")
    return int(raw)


def _date(text: str, *, first: bool) -> dt.date:
    """Read an E-utilities date, YYYY, YYYY/MM or YYYY/MM/DD, as its first or last day."""
    parts = text.strip().split("/")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise BadParameter(f"Invalid date: {text}")
    numbers = [int(p) for p in parts] + [0, 0]
    year, month, day = numbers[0], numbers[1] or None, numbers[2] or None
    try:
        if month is None:
            return dt.date(year, 1, 1) if first else dt.date(year, 12, 31)
        if day is None:
            if first:
                return dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, day)
    except ValueError:
        raise BadParameter(f"Invalid date: {text}") from None


def _require_pubmed(params: Params, name: str) -> None:
    db = _one(params, name)
    if db != "pubmed":
        raise BadParameter(f"Invalid db name specified: {db or ''}")
