"""Test-only Crossref replies (DOIs under 10.5555/, Crossref's prefix for examples and tests).

Not publications. The ORCID is 0000-0002-1825-0097, the example iD ORCID itself documents.
"""

from __future__ import annotations

import json
from pathlib import Path

WORK_DOI = "10.5555/irtkb.crossref.1"
NOTICE_DOI = "10.5555/irtkb.crossref.1.retraction"


def work_reply(doi: str = WORK_DOI, *, updated_by: list | None = None) -> dict:
    message = {
        "DOI": doi,
        "type": "book-chapter",
        "title": ["Immune reconstitution in a test chapter (synthetic, not a publication)"],
        "author": [
            {
                "given": "Josiah",
                "family": "Carberry",
                "sequence": "first",
                "ORCID": "https://orcid.org/0000-0002-1825-0097",
                "authenticated-orcid": False,
            },
            {"name": "The Synthetic Study Group", "sequence": "additional"},
        ],
        "container-title": ["A synthetic handbook of test chapters"],
        "publisher": "Test Publisher",
        "volume": "3",
        "issue": "2",
        "page": "101-118",
        "issued": {"date-parts": [[2021, 6, 15]]},
        "license": [{"URL": "https://creativecommons.org/licenses/by/4.0/"}],
    }
    if updated_by:
        message["updated-by"] = updated_by
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}


def retraction_notice(date=(2023, 2, 1), source="retraction-watch") -> dict:
    return {
        "DOI": NOTICE_DOI,
        "type": "retraction",
        "source": source,
        "label": "Retraction",
        "updated": {"date-parts": [list(date)]},
    }


def write_reply(directory: Path, body: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = body["message"]["DOI"].replace("/", "_") + ".json"
    (directory / name).write_text(json.dumps(body))
    return directory
