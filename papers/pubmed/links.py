"""Related papers from E-utilities elink: "similar articles" and "cited by" for one PMID."""

from __future__ import annotations

from dataclasses import dataclass

from papers.pubmed.config import NcbiConfig, config_from_settings
from papers.pubmed.transport import request_xml

SIMILAR = "pubmed_pubmed"
CITED_BY = "pubmed_pubmed_citedin"


@dataclass(frozen=True)
class RelatedPmids:
    pmid: int
    similar: tuple[int, ...] = ()  # NCBI's ranking order
    cited_by: tuple[int, ...] = ()


def related_pmids(*, pmid: int, config: NcbiConfig | None = None) -> RelatedPmids:
    """Return the PMIDs PubMed links to ``pmid`` as similar and as citing it (two elinks, one
    link name each, so no reply mixes them). Raise NcbiError when one still fails after the
    transport's retries."""
    config = config or config_from_settings()
    return RelatedPmids(
        pmid=pmid,
        similar=_linked(pmid, SIMILAR, config),
        cited_by=_linked(pmid, CITED_BY, config),
    )


def _linked(pmid: int, link_name: str, config: NcbiConfig) -> tuple[int, ...]:
    reply = request_xml(
        "elink",
        params={
            "dbfrom": "pubmed",
            "db": "pubmed",
            "id": str(pmid),
            "linkname": link_name,
            "cmd": "neighbor",
        },
        identifiers=[pmid],
        expect_root="eLinkResult",
        config=config,
    )
    ids: list[int] = []
    for link_set_db in reply.root.iterfind("LinkSet/LinkSetDb"):
        if (link_set_db.findtext("LinkName") or "").strip() == link_name:
            ids += [int(t) for t in link_set_db.xpath("Link/Id/text()") if t.strip().isdigit()]
    return tuple(i for i in dict.fromkeys(ids) if i != pmid)
