"""Metadata for machines: Highwire ``citation_*`` meta tags and schema.org JSON-LD.

The Zotero Connector (and Google Scholar) read the Highwire tags to save a paper page as the
paper rather than as a web page; search engines read the JSON-LD. Both are built from the same
record the page shows, so a test can parse them back and compare.
"""

from __future__ import annotations

from django.http import HttpRequest

from papers.export import paper_to_csl
from papers.models import Paper, Therapy

SCHEMA_CONTEXT = "https://schema.org"


def _page_bounds(item: dict) -> tuple[str, str]:
    """Return (first page, last page) from a CSL item's expanded page range."""
    page = item.get("page", "")
    if "," in page:  # several ranges: the first page of the first, the last of the last
        first_part, last_part = page.split(",")[0], page.split(",")[-1]
    else:
        first_part = last_part = page
    first = first_part.partition("-")[0].strip()
    last = last_part.rpartition("-")[2].strip() if "-" in last_part else ""
    return first, last


def _publication_date(paper: Paper) -> str:
    """Return "2020/01/24", "2020/01" or "2020": the form Google Scholar's guidelines give."""
    if not paper.pub_year:
        return ""
    parts = [f"{paper.pub_year:04d}"]
    if paper.pub_month and not paper.pub_season:
        parts.append(f"{paper.pub_month:02d}")
        if paper.pub_day:
            parts.append(f"{paper.pub_day:02d}")
    return "/".join(parts)


def _author_names(paper: Paper) -> list[str]:
    names = []
    for authorship in sorted(paper.authorships.all(), key=lambda a: a.position):
        author = authorship.author
        if author.collective_name:
            names.append(author.collective_name)
        else:
            given = author.fore_name or author.initials
            names.append(f"{author.last_name}, {given}" if given else author.last_name)
    return names


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """Return [(name, content)] of the paper's ``citation_*`` meta tags, in the usual order."""
    item = paper_to_csl(paper)
    tags: list[tuple[str, str]] = [("citation_title", item.get("title", ""))]
    tags += [("citation_author", name) for name in _author_names(paper)]
    tags.append(("citation_publication_date", _publication_date(paper)))
    if item["type"] == "chapter":
        tags.append(("citation_inbook_title", item.get("container-title", "")))
        tags.append(("citation_publisher", item.get("publisher", "")))
    else:
        tags.append(("citation_journal_title", item.get("container-title", "")))
        tags.append(("citation_journal_abbrev", item.get("container-title-short", "")))
    first, last = _page_bounds(item)
    tags += [
        ("citation_volume", paper.volume),
        ("citation_issue", paper.issue),
        ("citation_firstpage", first),
        ("citation_lastpage", last),
        ("citation_doi", paper.doi or ""),
        ("citation_pmid", str(paper.pmid) if paper.pmid else ""),
    ]
    if paper.journal_id:
        journal = paper.journal
        for issn in dict.fromkeys(
            value for value in (journal.issn_print, journal.issn_electronic) if value
        ):
            tags.append(("citation_issn", issn))
    tags.append(("citation_language", paper.languages[0] if paper.languages else ""))
    return [(name, content) for name, content in tags if content]


def scholarly_article(paper: Paper, url: str) -> dict:
    """Return the paper as a schema.org ScholarlyArticle (JSON-LD)."""
    item = paper_to_csl(paper)
    data: dict = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ScholarlyArticle",
        "@id": url,
        "url": url,
        "headline": item.get("title", "")[:110],
        "name": item.get("title", ""),
    }
    authors = []
    for authorship in sorted(paper.authorships.all(), key=lambda a: a.position):
        author = authorship.author
        if author.collective_name:
            authors.append({"@type": "Organization", "name": author.collective_name})
        else:
            person = {"@type": "Person", "name": author.display_name}
            person["familyName"] = author.last_name
            if author.fore_name:
                person["givenName"] = author.fore_name
            if author.orcid:
                person["identifier"] = f"https://orcid.org/{author.orcid}"
            authors.append(person)
    if authors:
        data["author"] = authors
    published = _publication_date(paper).replace("/", "-")
    if published:
        data["datePublished"] = published
    if paper.journal_id:
        periodical: dict = {"@type": "Periodical", "name": paper.journal.title}
        issns = [v for v in (paper.journal.issn_print, paper.journal.issn_electronic) if v]
        if issns:
            periodical["issn"] = issns
        container = periodical
        if paper.volume:
            container = {
                "@type": "PublicationVolume",
                "volumeNumber": paper.volume,
                "isPartOf": container,
            }
        if paper.issue:
            container = {
                "@type": "PublicationIssue",
                "issueNumber": paper.issue,
                "isPartOf": container,
            }
        data["isPartOf"] = container
    first, last = _page_bounds(item)
    if first:
        data["pageStart"] = first
    if last:
        data["pageEnd"] = last
    identifiers = []
    if paper.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi})
    if paper.pmid:
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "PMID", "value": str(paper.pmid)}
        )
    if paper.pmcid:
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMCID", "value": paper.pmcid})
    if identifiers:
        data["identifier"] = identifiers
    same_as = [link for link in (paper.doi_url, paper.pubmed_url, paper.pmc_url) if link]
    if same_as:
        data["sameAs"] = same_as
    if item.get("abstract"):
        data["abstract"] = item["abstract"]
    return data


def is_procedure(therapy: Therapy) -> bool:
    """Return whether the therapy is a procedure (aHSCT), not a drug.

    The class text says so ("Cell-based procedure: …"); a field would be better once there is
    more than one procedure.
    """
    return "procedure" in therapy.drug_class.lower() or therapy.slug == "ahsct"


def therapy_thing(therapy: Therapy, url: str) -> dict:
    """Return the therapy as a schema.org Drug, or MedicalProcedure for aHSCT (JSON-LD)."""
    data: dict = {
        "@context": SCHEMA_CONTEXT,
        "@type": "MedicalProcedure" if is_procedure(therapy) else "Drug",
        "@id": url,
        "url": url,
        "name": therapy.name,
        "description": therapy.summary or therapy.mechanism,
    }
    condition = {"@type": "MedicalCondition", "name": "Multiple sclerosis"}
    if data["@type"] == "Drug":
        data["drugClass"] = {"@type": "DrugClass", "name": therapy.drug_class}
        data["mechanismOfAction"] = therapy.mechanism
        data["indication"] = condition
    else:
        data["procedureType"] = "https://schema.org/TherapeuticProcedure"
        data["howPerformed"] = therapy.drug_class
        data["indication"] = condition
    return data


def absolute(request: HttpRequest, path: str) -> str:
    """Return the absolute URL of ``path`` on the host the request came to."""
    return request.build_absolute_uri(path)
