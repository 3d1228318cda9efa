"""Turn PubMed efetch XML (PubmedArticleSet) into PaperRecords.

lxml does the parsing: it is many times faster than Bio.Entrez.read on large batches and
keeps inline markup (<i>, <sup>, MathML) that we render. The parser never fetches a DTD or an
external entity, so it runs offline and is safe on hostile input (papers/pubmed/safe_xml.py).

Two ways in, one reading: ``parse_article_set`` takes the root the transport already parsed
(an efetch reply is parsed once), ``parse_pubmed_xml`` takes bytes (a file, a benchmark).
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from papers.markup import sanitize_inline, strip_tags
from papers.pubmed.errors import PubmedParseError
from papers.pubmed.records import (
    MONTH_ABBR,
    AbstractSection,
    AuthorRecord,
    JournalRecord,
    LinkRecord,
    MeshQualifier,
    MeshRecord,
    PaperRecord,
    ParseResult,
    PartialDate,
    RecordError,
    ReferenceRecord,
)
from papers.pubmed.safe_xml import parse_xml

MONTHS = {m: i for i, m in enumerate(MONTH_ABBR, start=1)}
_ORCID_RE = re.compile(r"(\d{4}-?\d{4}-?\d{4}-?\d{3}[\dX])\s*$", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(\d{4})\b")
_MONTH_RE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)", re.IGNORECASE)
_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_PMID_TEXT = re.compile(r"[0-9]+")


def parse_pubmed_xml(data: bytes, *, source: str = "reply") -> ParseResult:
    """Parse a PubmedArticleSet document; raise PubmedParseError if it is unusable as a whole.

    ``source`` names the document in errors (a file name, the requested identifiers).
    A record inside a good document that lacks what we need (no PMID) becomes a RecordError
    and does not stop the others.
    """
    if not data or not data.strip():
        raise PubmedParseError(source, "empty reply")
    head = data[:2048].lstrip()[:200].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise PubmedParseError(source, "got an HTML page, not PubMed XML")
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise PubmedParseError(source, f"malformed or truncated XML: {exc}") from None
    return parse_article_set(root, source=source)


def parse_article_set(root: etree._Element, *, source: str = "reply") -> ParseResult:
    """Read the records of an already parsed PubmedArticleSet (an efetch reply's root).

    Raise PubmedParseError if ``root`` is not a PubmedArticleSet we may trust; a record that
    lacks what we need becomes a RecordError and does not stop the others.
    """
    _check_root(root, source=source)
    result = ParseResult()
    for element in root:
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        if element.tag == "DeleteCitation":
            result.deleted_pmids.extend(_int(p.text) for p in element.findall("PMID") if p.text)
        else:
            parse_record_element(result, element)
    return result


def parse_record_element(result: ParseResult, element: etree._Element) -> None:
    """Add one PubmedArticle or PubmedBookArticle to ``result`` (as a record or an error).

    The streaming file reader (papers/pubmed/files.py) calls this for each record it reads.
    """
    if element.tag == "PubmedArticle":
        _collect(result, element, _parse_article)
    elif element.tag == "PubmedBookArticle":
        _collect(result, element, _parse_book_article)


def _check_root(root: etree._Element, *, source: str) -> None:
    doctype = root.getroottree().docinfo.doctype or ""
    if '"http://' in doctype:
        # Biopython >= 1.87 refuses these too; an http DTD reference means an old or
        # tampered reply, and silently accepting it would hide a wrong EUTILS_BASE_URL.
        raise PubmedParseError(source, "insecure http:// DOCTYPE (expected NCBI's https DTD)")
    if root.tag == "eFetchResult" or root.tag == "ERROR":
        message = " ".join(root.itertext()).strip() or "error reply"
        raise PubmedParseError(source, f"NCBI error: {message}")
    if root.tag != "PubmedArticleSet":
        raise PubmedParseError(source, f"unexpected root element <{root.tag}>")


def _collect(result: ParseResult, element: etree._Element, parse) -> None:
    try:
        result.records.append(parse(element))
    except (ValueError, TypeError, AttributeError) as exc:
        pmid_text = (element.findtext(".//PMID") or "").strip()
        pmid = int(pmid_text) if _PMID_TEXT.fullmatch(pmid_text) else None
        result.errors.append(RecordError(pmid=pmid, reason=str(exc) or exc.__class__.__name__))


# --- PubmedArticle -------------------------------------------------------------------------


def _parse_article(element: etree._Element) -> PaperRecord:
    citation = element.find("MedlineCitation")
    if citation is None:
        raise ValueError("PubmedArticle without MedlineCitation")
    pmid = _required_pmid(citation)
    article = citation.find("Article")
    if article is None:
        raise ValueError("MedlineCitation without Article")
    pubmed_data = element.find("PubmedData")
    ids = _article_ids(pubmed_data.find("ArticleIdList") if pubmed_data is not None else None)
    journal_el = article.find("Journal")
    issue_el = journal_el.find("JournalIssue") if journal_el is not None else None
    return PaperRecord(
        pmid=pmid,
        title=_inline(article.find("ArticleTitle")),
        vernacular_title=_inline(article.find("VernacularTitle")),
        pmcid=ids.get("pmc", ""),
        doi=ids.get("doi") or _elocation(article, "doi"),
        pii=ids.get("pii") or _elocation(article, "pii"),
        abstract=_abstract(article.find("Abstract")),
        abstract_copyright=_text(article.find("Abstract/CopyrightInformation")),
        journal=_journal(journal_el, citation.find("MedlineJournalInfo")),
        volume=_text(issue_el.find("Volume")) if issue_el is not None else "",
        issue=_text(issue_el.find("Issue")) if issue_el is not None else "",
        pages=_pages(article.find("Pagination")),
        pub_date=_partial_date(issue_el.find("PubDate") if issue_el is not None else None),
        epub_date=_electronic_date(article),
        publication_status=_text(pubmed_data.find("PublicationStatus"))
        if pubmed_data is not None
        else "",
        languages=tuple(_text(e) for e in article.findall("Language") if _text(e)),
        publication_types=_publication_types(article.find("PublicationTypeList")),
        keywords=_keywords(citation),
        authors=_authors(article.find("AuthorList")),
        mesh=_mesh(citation.find("MeshHeadingList")),
        links=_links(citation.find("CommentsCorrectionsList")),
        references=_references(pubmed_data),
    )


def _parse_book_article(element: etree._Element) -> PaperRecord:
    document = element.find("BookDocument")
    if document is None:
        raise ValueError("PubmedBookArticle without BookDocument")
    pmid = _required_pmid(document)
    book = document.find("Book")
    book_data = element.find("PubmedBookData")
    ids = _article_ids(book_data.find("ArticleIdList") if book_data is not None else None)
    own_ids = _article_ids(document.find("ArticleIdList"))
    book_title = _inline(book.find("BookTitle")) if book is not None else ""
    chapter_title = _inline(document.find("ArticleTitle"))
    chapter_authors = [
        a for a in document.findall("AuthorList") if a.get("Type", "authors") == "authors"
    ]
    return PaperRecord(
        pmid=pmid,
        is_book=True,
        title=chapter_title or book_title,
        book_title=book_title if chapter_title else "",
        publisher=_text(book.find("Publisher/PublisherName")) if book is not None else "",
        pmcid=ids.get("pmc", ""),
        doi=ids.get("doi") or own_ids.get("doi", ""),
        abstract=_abstract(document.find("Abstract")),
        abstract_copyright=_text(document.find("Abstract/CopyrightInformation")),
        pub_date=_partial_date(book.find("PubDate") if book is not None else None),
        publication_status=_text(book_data.find("PublicationStatus"))
        if book_data is not None
        else "",
        languages=tuple(_text(e) for e in document.findall("Language") if _text(e)),
        publication_types=_publication_types(document),
        keywords=tuple(
            strip_tags(_inline(k)) for k in document.findall("KeywordList/Keyword") if _text(k)
        ),
        authors=_authors(chapter_authors[0] if chapter_authors else None),
        references=_references(document),
    )


# --- pieces --------------------------------------------------------------------------------


def _required_pmid(parent: etree._Element) -> int:
    text = parent.findtext("PMID")
    if not text or not text.strip().isdigit():
        raise ValueError(f"missing or invalid PMID {text!r}")
    return int(text.strip())


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element) == 0:  # the common case, and several times faster than itertext()
        return " ".join((element.text or "").split())
    return " ".join("".join(element.itertext()).split())


def _int(text: str | None) -> int:
    return int(text.strip())


def _inline(element: etree._Element | None) -> str:
    """Return the element's content with its inline markup, sanitised."""
    if element is None:
        return ""
    if len(element) == 0:
        # Plain text needs escaping only; the sanitiser is for text that carries markup.
        return " ".join(_escape(element.text or "").split())
    parts = [_escape(element.text or "")]
    for child in element:
        parts.append(_serialize_inline(child))
    return sanitize_inline(" ".join("".join(parts).split()))


def _serialize_inline(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return _escape(element.tail or "")
    tag = etree.QName(element).localname  # mml:math -> math
    attrs = "".join(
        f' {etree.QName(k).localname}="{_escape_attribute(v)}"'
        for k, v in element.attrib.items()
        if etree.QName(k).namespace is None
    )
    inner = _escape(element.text or "") + "".join(_serialize_inline(c) for c in element)
    return f"<{tag}{attrs}>{inner}</{tag}>" + _escape(element.tail or "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _article_ids(id_list: etree._Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is None:
        return ids
    for article_id in id_list.findall("ArticleId"):
        kind, value = article_id.get("IdType", ""), _text(article_id)
        if kind and value and kind not in ids:
            ids[kind] = value
    return ids


def _elocation(article: etree._Element, kind: str) -> str:
    for location in article.findall("ELocationID"):
        if location.get("EIdType") == kind and location.get("ValidYN", "Y") == "Y":
            return _text(location)
    return ""


def _abstract(abstract: etree._Element | None) -> tuple[AbstractSection, ...]:
    if abstract is None:
        return ()
    return tuple(
        AbstractSection(
            label=section.get("Label", ""),
            nlm_category=section.get("NlmCategory", ""),
            text=_inline(section),
        )
        for section in abstract.findall("AbstractText")
    )


def _journal(journal: etree._Element | None, info: etree._Element | None) -> JournalRecord | None:
    if journal is None:
        return None
    issns = {i.get("IssnType", ""): _text(i) for i in journal.findall("ISSN")}
    return JournalRecord(
        title=_text(journal.find("Title")),
        iso_abbreviation=_text(journal.find("ISOAbbreviation")),
        medline_ta=_text(info.find("MedlineTA")) if info is not None else "",
        issn_print=issns.get("Print", ""),
        issn_electronic=issns.get("Electronic", ""),
        issn_linking=_text(info.find("ISSNLinking")) if info is not None else "",
        nlm_unique_id=_text(info.find("NlmUniqueID")) if info is not None else "",
    )


def _pages(pagination: etree._Element | None) -> str:
    if pagination is None:
        return ""
    medline = _text(pagination.find("MedlinePgn"))
    if medline:
        return medline
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start


def _month(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    return MONTHS.get(text[:3].lower())


def _partial_date(element: etree._Element | None) -> PartialDate:
    if element is None:
        return PartialDate()
    medline = _text(element.find("MedlineDate"))
    if medline:
        # "1998 Dec-1999 Jan", "2000 Spring", "1999-2000": keep the text, sort by its start.
        year = _YEAR_RE.search(medline)
        month = _MONTH_RE.search(medline)
        return PartialDate(
            year=int(year.group(1)) if year else None,
            month=_month(month.group(1)) if month else None,
            medline_date=medline,
        )
    year = _text(element.find("Year"))
    day = _text(element.find("Day"))
    return PartialDate(
        year=int(year) if year.isdigit() else None,
        month=_month(_text(element.find("Month"))),
        day=int(day) if day.isdigit() else None,
        season=_text(element.find("Season")),
    )


def _electronic_date(article: etree._Element) -> dt.date | None:
    for date in article.findall("ArticleDate"):
        if date.get("DateType", "Electronic") != "Electronic":
            continue
        try:
            return dt.date(
                int(_text(date.find("Year"))),
                int(_text(date.find("Month"))),
                int(_text(date.find("Day"))),
            )
        except ValueError:
            return None
    return None


def _publication_types(parent: etree._Element | None) -> tuple[str, ...]:
    if parent is None:
        return ()
    return tuple(_text(t) for t in parent.findall("PublicationType") if _text(t))


def _keywords(citation: etree._Element) -> tuple[str, ...]:
    return tuple(
        strip_tags(_inline(k)) for k in citation.findall("KeywordList/Keyword") if _text(k)
    )


def _orcid(author: etree._Element) -> str:
    for identifier in author.findall("Identifier"):
        if identifier.get("Source", "").upper() != "ORCID":
            continue
        match = _ORCID_RE.search(_text(identifier))
        if match:
            digits = match.group(1).replace("-", "").upper()
            return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return ""


def _authors(author_list: etree._Element | None) -> tuple[AuthorRecord, ...]:
    if author_list is None:
        return ()
    authors = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue  # PubMed keeps misspelt names it has corrected, marked ValidYN="N"
        authors.append(
            AuthorRecord(
                last_name=_text(author.find("LastName")),
                fore_name=_text(author.find("ForeName")),
                initials=_text(author.find("Initials")),
                suffix=_text(author.find("Suffix")),
                collective_name=strip_tags(_inline(author.find("CollectiveName"))),
                orcid=_orcid(author),
                affiliations=tuple(
                    _text(a) for a in author.findall("AffiliationInfo/Affiliation") if _text(a)
                ),
                equal_contribution=author.get("EqualContrib") == "Y",
            )
        )
    return tuple(authors)


def _mesh(heading_list: etree._Element | None) -> tuple[MeshRecord, ...]:
    if heading_list is None:
        return ()
    headings = []
    for heading in heading_list.findall("MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        headings.append(
            MeshRecord(
                ui=descriptor.get("UI", ""),
                name=_text(descriptor),
                major_topic=descriptor.get("MajorTopicYN") == "Y",
                qualifiers=tuple(
                    MeshQualifier(
                        ui=q.get("UI", ""), name=_text(q), major_topic=q.get("MajorTopicYN") == "Y"
                    )
                    for q in heading.findall("QualifierName")
                ),
            )
        )
    return tuple(headings)


def _links(corrections: etree._Element | None) -> tuple[LinkRecord, ...]:
    if corrections is None:
        return ()
    links = []
    for entry in corrections.findall("CommentsCorrections"):
        kind = entry.get("RefType", "")
        if not kind or kind == "Cites":
            continue  # "Cites" duplicates the ReferenceList, which we read instead
        pmid = _text(entry.find("PMID"))
        links.append(
            LinkRecord(
                kind=kind,
                target_pmid=int(pmid) if pmid.isdigit() else None,
                ref_source=_text(entry.find("RefSource"))[:500],
            )
        )
    return tuple(links)


def _references(parent: etree._Element | None) -> tuple[ReferenceRecord, ...]:
    """Return the reference list in document order, numbered from 1.

    PubMed nests ReferenceLists (a titled list can hold sub-lists); we flatten them in order.
    """
    if parent is None:
        return ()
    references = []
    for reference in parent.iterfind("ReferenceList//Reference"):
        ids = _article_ids(reference.find("ArticleIdList"))
        pmid = ids.get("pubmed", "")
        references.append(
            ReferenceRecord(
                position=len(references) + 1,
                citation=strip_tags(_inline(reference.find("Citation"))),
                pmid=int(pmid) if pmid.isdigit() else None,
                doi=ids.get("doi", ""),
                pmcid=ids.get("pmc", ""),
            )
        )
    return tuple(references)
