"""Index PubMed XML fixture files by PMID and DOI so any subset of records can be served."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

logger = logging.getLogger(__name__)

# Fixtures are trusted test data, but never let a DOCTYPE make the server reach the network.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True
)
_ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")


@dataclass(frozen=True)
class FixtureRecord:
    """One PubmedArticle or PubmedBookArticle element, serialised, with its identifiers."""

    pmid: int
    dois: tuple[str, ...]
    xml: bytes
    cited_pmids: tuple[int, ...]
    source: Path
    # When PubMed last changed the record (MedlineCitation/DateRevised, else DateCompleted):
    # what esearch's datetype=mdat selects on. None: the fixture does not say.
    modified: dt.date | None = None


@dataclass
class FixtureIndex:
    """Every record found under a directory, looked up by PMID or DOI (case-insensitive)."""

    by_pmid: dict[int, FixtureRecord] = field(default_factory=dict)
    by_doi: dict[str, list[int]] = field(default_factory=dict)
    cited_by: dict[int, list[int]] = field(default_factory=dict)
    skipped: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: Path | str) -> FixtureIndex:
        """Read every ``*.xml`` file under ``directory`` (recursively) that holds PubMed records.

        Files whose root is not ``PubmedArticleSet`` (esearch replies, notes) are skipped and
        listed in ``skipped``; a PMID found in two files keeps the record from the later path
        in sorted order, so the result does not depend on the file system's listing order.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise FileNotFoundError(f"fixtures directory not found: {directory}")
        index = cls()
        for path in sorted(directory.rglob("*.xml")):
            index.add_file(path)
        for record in index.by_pmid.values():
            for cited in record.cited_pmids:
                index.cited_by.setdefault(cited, []).append(record.pmid)
        return index

    def add_file(self, path: Path) -> None:
        """Add the records of one file, or note in ``skipped`` why it holds none."""
        try:
            root = etree.parse(str(path), _PARSER).getroot()
        except etree.XMLSyntaxError as exc:
            self.skipped[path] = f"not well-formed XML: {exc}"
            logger.warning("replay fixtures: skipping %s: %s", path, exc)
            return
        if root.tag != "PubmedArticleSet":
            self.skipped[path] = f"root element is <{root.tag}>, not <PubmedArticleSet>"
            return
        for element in root:
            if element.tag in _ARTICLE_TAGS:
                self._add_record(_record_from_element(element, path))

    def _add_record(self, record: FixtureRecord | None) -> None:
        if record is None:
            return
        previous = self.by_pmid.get(record.pmid)
        if previous is not None:
            logger.warning(
                "replay fixtures: PMID %s in %s replaces the one in %s",
                record.pmid,
                record.source,
                previous.source,
            )
            for doi in previous.dois:
                self.by_doi[doi.lower()].remove(record.pmid)
        self.by_pmid[record.pmid] = record
        for doi in record.dois:
            pmids = self.by_doi.setdefault(doi.lower(), [])
            if record.pmid not in pmids:
                pmids.append(record.pmid)

    def pmids_for_doi(self, doi: str) -> list[int]:
        """Return the PMIDs whose record carries ``doi`` (compared case-insensitively)."""
        return list(self.by_doi.get(doi.strip().lower(), []))

    def __len__(self) -> int:
        return len(self.by_pmid)


def _record_from_element(element: etree._Element, path: Path) -> FixtureRecord | None:
    pmid_text = element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID")
    if not pmid_text or not pmid_text.strip().isdigit():
        logger.warning("replay fixtures: a <%s> in %s has no PMID", element.tag, path)
        return None
    dois: list[str] = []
    # Only the record's own ids: ArticleIdList elements inside ReferenceList name cited papers.
    for xpath in (
        "PubmedData/ArticleIdList/ArticleId[@IdType='doi']",
        "PubmedBookData/ArticleIdList/ArticleId[@IdType='doi']",
        "BookDocument/ArticleIdList/ArticleId[@IdType='doi']",
        "MedlineCitation/Article/ELocationID[@EIdType='doi']",
        "BookDocument/ELocationID[@EIdType='doi']",
    ):
        for node in element.findall(xpath):
            doi = (node.text or "").strip()
            if doi and doi.lower() not in (d.lower() for d in dois):
                dois.append(doi)
    cited = []
    for node in element.iterfind(".//ReferenceList/Reference/ArticleIdList/ArticleId"):
        text = (node.text or "").strip()
        if node.get("IdType") == "pubmed" and text.isdigit() and int(text) not in cited:
            cited.append(int(text))
    return FixtureRecord(
        pmid=int(pmid_text),
        dois=tuple(dois),
        xml=etree.tostring(element, encoding="UTF-8", xml_declaration=False, with_tail=False),
        cited_pmids=tuple(cited),
        source=path,
        modified=_modified(element),
    )


def _modified(element: etree._Element) -> dt.date | None:
    for name in ("DateRevised", "DateCompleted"):
        date = element.find(f"MedlineCitation/{name}")
        if date is None:
            continue
        try:
            return dt.date(
                int(date.findtext("Year") or ""),
                int(date.findtext("Month") or ""),
                int(date.findtext("Day") or ""),
            )
        except ValueError:
            return None
    return None
