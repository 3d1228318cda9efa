"""Build reply bodies shaped like NCBI's (XML declaration and DOCTYPE lines included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

PUBMED_DECLARATION = b'<?xml version="1.0" ?>\n'
PUBMED_DOCTYPE = (
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n'
_DOCTYPES = {
    "eSearchResult": '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n',
    "eLinkResult": '<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n',
    "eFetchResult": '<!DOCTYPE eFetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n',
}
ROOT_FOR_ENDPOINT = {
    "efetch": "eFetchResult",
    "esearch": "eSearchResult",
    "elink": "eLinkResult",
}


def pubmed_article_set(records: Iterable[bytes]) -> bytes:
    """Assemble serialised PubmedArticle elements into one efetch reply.

    With no records this is the empty set NCBI sends (HTTP 200) for PMIDs it does not know.
    """
    body = b"\n".join(records)
    inner = b"\n" + body + b"\n" if body else b""
    return (
        PUBMED_DECLARATION
        + PUBMED_DOCTYPE
        + b"<PubmedArticleSet>"
        + inner
        + b"</PubmedArticleSet>\n"
    )


def error_reply(endpoint: str, message: str) -> bytes:
    """Return the in-band ``<ERROR>`` reply NCBI sends with HTTP 200."""
    root = ROOT_FOR_ENDPOINT.get(endpoint, "eFetchResult")
    return _document(root, f"\n\t<ERROR>{escape(message)}</ERROR>\n")


def esearch_result(
    *,
    count: int,
    retstart: int,
    ids: Sequence[int],
    query_translation: str,
    phrase_not_found: str | None = None,
    history: tuple[int, str] | None = None,
) -> bytes:
    """Return an eSearchResult; zero hits take the ErrorList/WarningList shape NCBI uses."""
    parts = [f"<Count>{count}</Count><RetMax>{len(ids)}</RetMax><RetStart>{retstart}</RetStart>"]
    if history is not None:
        query_key, webenv = history
        parts.append(f"<QueryKey>{query_key}</QueryKey><WebEnv>{escape(webenv)}</WebEnv>")
    if ids:
        parts.append("<IdList>\n" + "".join(f"<Id>{pmid}</Id>\n" for pmid in ids) + "</IdList>")
    else:
        parts.append("<IdList/>")
    parts.append("<TranslationSet/>")
    parts.append(f"<QueryTranslation>{escape(query_translation)}</QueryTranslation>")
    if count == 0:
        if phrase_not_found:
            parts.append(
                f"<ErrorList><PhraseNotFound>{escape(phrase_not_found)}</PhraseNotFound>"
                "</ErrorList>"
            )
        parts.append("<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>")
    return _document("eSearchResult", "".join(parts))


def elink_result(link_sets: Sequence[tuple[Sequence[int], dict[str, Sequence[int]]]]) -> bytes:
    """Return an eLinkResult: one LinkSet per (source ids, {link name: linked ids})."""
    out = ["\n"]
    for source_ids, links in link_sets:
        out.append("  <LinkSet>\n    <DbFrom>pubmed</DbFrom>\n    <IdList>\n")
        out.extend(f"      <Id>{pmid}</Id>\n" for pmid in source_ids)
        out.append("    </IdList>\n")
        for link_name, linked in links.items():
            if not linked:
                continue
            out.append(f"    <LinkSetDb>\n      <DbTo>pubmed</DbTo>\n      <LinkName>{link_name}")
            out.append("</LinkName>\n")
            out.extend(f"      <Link>\n        <Id>{pmid}</Id>\n      </Link>\n" for pmid in linked)
            out.append("    </LinkSetDb>\n")
        out.append("  </LinkSet>\n")
    return _document("eLinkResult", "".join(out))


def _document(root: str, inner: str) -> bytes:
    return (_DECLARATION + _DOCTYPES[root] + f"<{root}>{inner}</{root}>\n").encode()
