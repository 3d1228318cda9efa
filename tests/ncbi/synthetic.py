"""Write synthetic PubMed records for the replay server (not publications: see README)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from eutils_replay.replies import pubmed_article_set

# Far above any PMID NCBI has assigned, so these can never be mistaken for real records.
FIRST_SYNTHETIC_PMID = 99_100_001


def synthetic_record(pmid: int) -> bytes:
    """Return one minimal, DTD-shaped PubmedArticle with DOI 10.5555/irtkb.synthetic.<pmid>."""
    return (
        f'<PubmedArticle><MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal>'
        f'<JournalIssue CitedMedium="Print"><Volume>1</Volume><PubDate><Year>2022</Year>'
        f"</PubDate></JournalIssue><Title>Synthetic test journal</Title></Journal>"
        f"<ArticleTitle>Synthetic replay-server record {pmid} (not a real publication)."
        f"</ArticleTitle><Language>eng</Language><PublicationTypeList>"
        f'<PublicationType UI="D016428">Journal Article</PublicationType>'
        f"</PublicationTypeList></Article><MedlineJournalInfo><MedlineTA>Synthetic Test J"
        f"</MedlineTA></MedlineJournalInfo></MedlineCitation><PubmedData>"
        f"<PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
        f'<ArticleId IdType="doi">10.5555/irtkb.synthetic.{pmid}</ArticleId>'
        f"</ArticleIdList></PubmedData></PubmedArticle>"
    ).encode()


def write_synthetic_pubmed(directory: Path, pmids: Iterable[int], *, per_file: int = 100) -> None:
    """Write records for ``pmids`` into ``directory`` as PubmedArticleSet files."""
    pmids = list(pmids)
    directory.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, len(pmids), per_file)):
        chunk = pmids[start : start + per_file]
        body = pubmed_article_set(synthetic_record(pmid) for pmid in chunk)
        (directory / f"synthetic_{number:03d}.xml").write_bytes(body)
