"""Synthetic records for watched-search tests: NOT publications (see tests/fixtures/eutils).

PMIDs from 99_200_001 (far above any PMID NCBI has assigned), DOIs under 10.5555/ (the
prefix Crossref reserves for tests), each with an Entrez date so date windows can be tested.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from eutils_replay.replies import pubmed_article_set

FIRST_PMID = 99_200_001


def record(pmid: int, *, title: str, entrez: dt.date, abstract: str = "") -> bytes:
    """Return one DTD-shaped PubmedArticle with this title, abstract and Entrez date."""
    abstract_xml = (
        f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    )
    return (
        f'<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal>'
        f'<JournalIssue CitedMedium="Print"><Volume>1</Volume><PubDate><Year>{entrez.year}</Year>'
        f"</PubDate></JournalIssue><Title>Synthetic test journal</Title></Journal>"
        f"<ArticleTitle>{title} (synthetic record {pmid}, not a publication).</ArticleTitle>"
        f"{abstract_xml}<Language>eng</Language><PublicationTypeList>"
        f'<PublicationType UI="D016428">Journal Article</PublicationType>'
        f"</PublicationTypeList></Article><MedlineJournalInfo><MedlineTA>Synthetic Test J"
        f"</MedlineTA></MedlineJournalInfo></MedlineCitation><PubmedData><History>"
        f'<PubMedPubDate PubStatus="entrez"><Year>{entrez.year}</Year><Month>{entrez.month}'
        f"</Month><Day>{entrez.day}</Day></PubMedPubDate></History>"
        f"<PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
        f'<ArticleId IdType="doi">10.5555/irtkb.intake.{pmid}</ArticleId>'
        f"</ArticleIdList></PubmedData></PubmedArticle>"
    ).encode()


def write_records(directory: Path, records: list[bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "intake.xml").write_bytes(pubmed_article_set(records))
    return directory
