"""Hand-written PubMed records for the integrity tests: each names what it is built to break.

PMIDs lie in the synthetic range the factories use (990,000,000 and up), far beyond any real
PubMed record; DOIs use the 10.5555 test prefix.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

HEADER = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def author(last: str = "", fore: str = "", initials: str = "", collective: str = "") -> str:
    parts = []
    if last:
        parts.append(f"<LastName>{escape(last)}</LastName>")
    if fore:
        parts.append(f"<ForeName>{escape(fore)}</ForeName>")
    if initials:
        parts.append(f"<Initials>{escape(initials)}</Initials>")
    if collective:
        parts.append(f"<CollectiveName>{escape(collective)}</CollectiveName>")
    return f'<Author ValidYN="Y">{"".join(parts)}</Author>'


def article(
    pmid: int,
    *,
    title: str = "",
    title_xml: str | None = None,
    abstract_xml: str | None = None,
    authors: list[str] | None = None,
    pages: str = "1-9",
    year: str = "2020",
    doi: str | None = None,
    keywords: list[str] | None = None,
) -> str:
    """Return one PubmedArticle; ``*_xml`` arguments are inserted as written (raw markup)."""
    title_xml = title_xml if title_xml is not None else escape(title or f"Crafted record {pmid}.")
    if abstract_xml is None:
        abstract_xml = f"<Abstract><AbstractText>Abstract of {pmid}.</AbstractText></Abstract>"
    if authors is None:
        authors = [author("Crafttest", "Ada", "A")]
    author_list = f'<AuthorList CompleteYN="Y">{"".join(authors)}</AuthorList>' if authors else ""
    doi = doi if doi is not None else f"10.5555/crafted.{pmid}"
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    if doi:
        ids += f'<ArticleId IdType="doi">{escape(doi)}</ArticleId>'
    keyword_list = ""
    if keywords:
        keyword_list = (
            '<KeywordList Owner="NOTNLM">'
            + "".join(f'<Keyword MajorTopicYN="N">{escape(k)}</Keyword>' for k in keywords)
            + "</KeywordList>"
        )
    return f"""<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">{pmid}</PMID>
    <Article PubModel="Print">
      <Journal>
        <ISSN IssnType="Print">5555-0099</ISSN>
        <JournalIssue CitedMedium="Print"><Volume>3</Volume><Issue>2</Issue>
          <PubDate><Year>{year}</Year><Month>Mar</Month></PubDate></JournalIssue>
        <Title>Journal of Crafted Records</Title>
        <ISOAbbreviation>J Crafted Rec</ISOAbbreviation>
      </Journal>
      <ArticleTitle>{title_xml}</ArticleTitle>
      <Pagination><MedlinePgn>{escape(pages)}</MedlinePgn></Pagination>
      {abstract_xml}
      {author_list}
      <Language>eng</Language>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
      </PublicationTypeList>
    </Article>
    <MedlineJournalInfo>
      <MedlineTA>J Crafted Rec</MedlineTA><NlmUniqueID>99555099</NlmUniqueID>
    </MedlineJournalInfo>
    {keyword_list}
  </MedlineCitation>
  <PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>{ids}</ArticleIdList></PubmedData>
</PubmedArticle>"""


def article_set(*articles: str) -> bytes:
    return (
        HEADER + "<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n"
    ).encode()


def write_fixtures(directory: Path, *articles: str) -> Path:
    """Write the articles as one fixture file for the replay server; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "crafted_set.xml").write_bytes(article_set(*articles))
    return directory


def nested_markup(depth: int) -> str:
    """Return a title's inline markup nested ``depth`` levels deep (<i><i>…x…</i></i>)."""
    return "<i>" * depth + "deep" + "</i>" * depth
