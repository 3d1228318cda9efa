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
    if not data or data.isspace():  # isspace() stops at the first character; strip() copies
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
    # RecursionError and OverflowError too: a hostile or broken record (markup nested 1,200
    # deep, a number too large) must fail alone, never end the reply's other records.
    except (ValueError, TypeError, AttributeError, RecursionError, OverflowError) as exc:
        pmid_text = (element.findtext(".//PMID") or "").strip()
        pmid = int(pmid_text) if _PMID_TEXT.fullmatch(pmid_text) else None
        result.errors.append(RecordError(pmid=pmid, reason=str(exc) or exc.__class__.__name__))


# --- PubmedArticle -------------------------------------------------------------------------


def _first_children(element: etree._Element | None) -> dict[str, etree._Element]:
    """Return {tag: first child with that tag}: one pass instead of a find() per field."""
    children: dict[str, etree._Element] = {}
    if element is not None:
        for child in element:
            if isinstance(child.tag, str):  # not a comment or processing instruction
                children.setdefault(child.tag, child)
    return children


def _parse_article(element: etree._Element) -> PaperRecord:
    top = _first_children(element)
    citation = top.get("MedlineCitation")
    if citation is None:
        raise ValueError("PubmedArticle without MedlineCitation")
    pmid = _required_pmid(citation)
    in_citation = _first_children(citation)
    article = in_citation.get("Article")
    if article is None:
        raise ValueError("MedlineCitation without Article")
    pubmed_data = top.get("PubmedData")
    in_data = _first_children(pubmed_data)
    ids = _article_ids(in_data.get("ArticleIdList"))
    in_article = _first_children(article)
    journal_el = in_article.get("Journal")
    in_journal = _first_children(journal_el)
    in_issue = _first_children(in_journal.get("JournalIssue"))
    abstract_el = in_article.get("Abstract")
    return PaperRecord(
        pmid=pmid,
        title=_inline(in_article.get("ArticleTitle")),
        vernacular_title=_inline(in_article.get("VernacularTitle")),
        pmcid=ids.get("pmc", ""),
        doi=ids.get("doi") or _elocation(article, "doi"),
        pii=ids.get("pii") or _elocation(article, "pii"),
        abstract=_abstract(abstract_el),
        abstract_copyright=_text(_first_children(abstract_el).get("CopyrightInformation")),
        journal=_journal(journal_el, in_citation.get("MedlineJournalInfo")),
        volume=_text(in_issue.get("Volume")),
        issue=_text(in_issue.get("Issue")),
        pages=_pages(in_article.get("Pagination")),
        pub_date=_partial_date(in_issue.get("PubDate")),
        epub_date=_electronic_date(article),
        publication_status=_text(in_data.get("PublicationStatus")),
        languages=tuple(t for e in article.iterchildren("Language") if (t := _text(e))),
        publication_types=_publication_types(in_article.get("PublicationTypeList")),
        keywords=_keywords(citation),
        authors=_authors(in_article.get("AuthorList")),
        mesh=_mesh(in_citation.get("MeshHeadingList")),
        links=_links(in_citation.get("CommentsCorrectionsList")),
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


def _normalise(text: str) -> str:
    """Return " ".join(text.split()): whitespace runs made one space, none at either end.

    Most texts need no change, and telling so is a few scans in C, where splitting an
    abstract into words and joining them again builds a string per word. Every character
    str.split() splits on except the ASCII space is one isprintable() refuses.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if len(element) == 0:  # the common case, and several times faster than itertext()
        text = element.text
        return _normalise(text) if text else ""
    return " ".join("".join(element.itertext()).split())


def _plain_inline(element: etree._Element | None) -> str:
    """Return strip_tags(_inline(element)): the text of a keyword, group name or citation.

    Without child elements that is the whitespace-normalised text itself (escaping and then
    unescaping gives the text back), so the common case skips both.
    """
    if element is None:
        return ""
    if len(element) == 0:
        return _normalise(element.text or "")
    return strip_tags(_inline(element))


def _int(text: str | None) -> int:
    return int(text.strip())


def _inline(element: etree._Element | None) -> str:
    """Return the element's content with its inline markup, sanitised."""
    if element is None:
        return ""
    if len(element) == 0:
        # Plain text needs escaping only; the sanitiser is for text that carries markup.
        return _normalise(_escape(element.text or ""))
    parts = [_escape(element.text or "")]
    for child in element:
        parts.append(_serialize_inline(child))
    return sanitize_inline(" ".join("".join(parts).split()))


# Inline markup deeper than this is no title or abstract PubMed prints (MathML nests a few
# dozen levels at most); refusing it keeps the recursive serialiser far from Python's limit.
MAX_INLINE_DEPTH = 100


def _serialize_inline(element: etree._Element, depth: int = 1) -> str:
    if depth > MAX_INLINE_DEPTH:
        raise ValueError(f"inline markup nested more than {MAX_INLINE_DEPTH} levels deep")
    if not isinstance(element.tag, str):
        return _escape(element.tail or "")
    tag = etree.QName(element).localname  # mml:math -> math
    attrs = "".join(
        f' {etree.QName(k).localname}="{_escape_attribute(v)}"'
        for k, v in element.attrib.items()
        if etree.QName(k).namespace is None
    )
    inner = _escape(element.text or "") + "".join(_serialize_inline(c, depth + 1) for c in element)
    return f"<{tag}{attrs}>{inner}</{tag}>" + _escape(element.tail or "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _article_ids(id_list: etree._Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is None:
        return ids
    for article_id in id_list.iterchildren("ArticleId"):
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
    sections = (
        AbstractSection(
            label=section.get("Label", ""),
            nlm_category=section.get("NlmCategory", ""),
            text=_inline(section),
        )
        for section in abstract.iterchildren("AbstractText")
    )
    # "Never blank": an empty, blank or markup-only <AbstractText/> is no text, and an
    # abstract of only such sections is no abstract (so it cannot overwrite a stored one).
    return tuple(s for s in sections if strip_tags(s.text).strip())


def _journal(journal: etree._Element | None, info: etree._Element | None) -> JournalRecord | None:
    if journal is None:
        return None
    issns = {i.get("IssnType", ""): _text(i) for i in journal.iterchildren("ISSN")}
    in_journal, in_info = _first_children(journal), _first_children(info)
    return JournalRecord(
        title=_text(in_journal.get("Title")),
        iso_abbreviation=_text(in_journal.get("ISOAbbreviation")),
        medline_ta=_text(in_info.get("MedlineTA")),
        issn_print=issns.get("Print", ""),
        issn_electronic=issns.get("Electronic", ""),
        issn_linking=_text(in_info.get("ISSNLinking")),
        nlm_unique_id=_text(in_info.get("NlmUniqueID")),
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
    parts = _first_children(element)
    medline = _text(parts.get("MedlineDate"))
    if medline:
        # "1998 Dec-1999 Jan", "2000 Spring", "1999-2000": keep the text, sort by its start.
        year = _YEAR_RE.search(medline)
        month = _MONTH_RE.search(medline)
        return PartialDate(
            year=int(year.group(1)) if year else None,
            month=_month(month.group(1)) if month else None,
            medline_date=medline,
        )
    year = _text(parts.get("Year"))
    day = _text(parts.get("Day"))
    return PartialDate(
        year=int(year) if year.isdigit() else None,
        month=_month(_text(parts.get("Month"))),
        day=int(day) if day.isdigit() and 1 <= int(day) <= 31 else None,
        season=_text(parts.get("Season")),
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
        except (ValueError, OverflowError):
            return None
    return None


def _publication_types(parent: etree._Element | None) -> tuple[str, ...]:
    if parent is None:
        return ()
    return tuple(text for t in parent.iterchildren("PublicationType") if (text := _text(t)))


def _keywords(citation: etree._Element) -> tuple[str, ...]:
    return tuple(_plain_inline(k) for k in citation.iterfind("KeywordList/Keyword") if _text(k))


def _orcid_of(identifier: etree._Element) -> str:
    """Return the ORCID an author's <Identifier> holds, normalised, or "" if it holds none."""
    if identifier.get("Source", "").upper() != "ORCID":
        return ""
    match = _ORCID_RE.search(_text(identifier))
    if not match:
        return ""
    digits = match.group(1).replace("-", "").upper()
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _authors(author_list: etree._Element | None) -> tuple[AuthorRecord, ...]:
    if author_list is None:
        return ()
    authors = []
    for author in author_list.iterchildren("Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue  # PubMed keeps misspelt names it has corrected, marked ValidYN="N"
        # One pass over the author's children, text read inline: this loop runs for every
        # author of every record, and a find() or helper call per field was most of a parse.
        last = fore = initials = suffix = collective = orcid = ""
        affiliations: list[str] = []
        for child in author:
            tag = child.tag
            if tag == "AffiliationInfo":
                for affiliation in child.iterchildren("Affiliation"):
                    if text := _text(affiliation):
                        affiliations.append(text)
                continue
            if tag == "Identifier":
                orcid = orcid or _orcid_of(child)
                continue
            if tag == "CollectiveName":
                collective = collective or _plain_inline(child)
                continue
            text = _text(child)
            if tag == "LastName":
                last = last or text
            elif tag == "ForeName":
                fore = fore or text
            elif tag == "Initials":
                initials = initials or text
            elif tag == "Suffix":
                suffix = suffix or text
        # A nameless <Author/> names nobody; kept, a list of one would replace real authors.
        if last or fore or initials or collective:
            authors.append(
                AuthorRecord(
                    last_name=last,
                    fore_name=fore,
                    initials=initials,
                    suffix=suffix,
                    collective_name=collective,
                    orcid=orcid,
                    affiliations=tuple(affiliations),
                    equal_contribution=author.get("EqualContrib") == "Y",
                )
            )
    return tuple(authors)


def _mesh(heading_list: etree._Element | None) -> tuple[MeshRecord, ...]:
    if heading_list is None:
        return ()
    headings = []
    for heading in heading_list.iterchildren("MeshHeading"):
        descriptor, qualifiers = None, []
        for child in heading:  # one pass: DescriptorName, then its QualifierNames
            tag = child.tag
            if tag == "DescriptorName":
                descriptor = descriptor if descriptor is not None else child
            elif tag == "QualifierName":
                qualifiers.append(
                    MeshQualifier(
                        ui=child.get("UI", ""),
                        name=_text(child),
                        major_topic=child.get("MajorTopicYN") == "Y",
                    )
                )
        if descriptor is None:
            continue
        headings.append(
            MeshRecord(
                ui=descriptor.get("UI", ""),
                name=_text(descriptor),
                major_topic=descriptor.get("MajorTopicYN") == "Y",
                qualifiers=tuple(qualifiers),
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
    for reference_list in parent.iterchildren("ReferenceList"):
        for reference in reference_list.iter("Reference"):
            citation = None
            ids: dict[str, str] = {}
            for child in reference:  # one pass: Citation and ArticleIdList
                tag = child.tag
                if tag == "Citation" and citation is None:
                    citation = child
                elif tag == "ArticleIdList" and not ids:
                    ids = _article_ids(child)
            pmid = ids.get("pubmed", "")
            references.append(
                ReferenceRecord(
                    position=len(references) + 1,
                    citation=_plain_inline(citation),
                    pmid=int(pmid) if pmid.isdigit() else None,
                    doi=ids.get("doi", ""),
                    pmcid=ids.get("pmc", ""),
                )
            )
    return tuple(references)
