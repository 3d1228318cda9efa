"""Staff corrections of PubMed-owned fields: kept across refreshes, disagreements logged.

A curator or admin who corrects a paper's title (or journal, year, author list...) in the
admin gets a PaperOverride for that field. A refresh then keeps the correction and, when
PubMed's value differs from it, writes one change-log row ``override:<field>`` (old value: the
correction, new value: PubMed's), once per new PubMed value: neither value is silently kept
or dropped. Deleting the override hands the field back to PubMed at the next refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models.signals import post_delete

from papers.models import PUBMED_OWNED_FIELDS, Paper, PaperChange, PaperOverride, RefreshJob

CHANGE_PREFIX = "override:"


def jsonable(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def record_corrections(*, paper: Paper, fields: Iterable[str], user=None) -> list[str]:
    """Keep ``fields`` (attribute names) of ``paper`` as staff corrections; return them."""
    kept = []
    for name in fields:
        if name not in PUBMED_OWNED_FIELDS:
            continue
        value = _author_keys(paper) if name == "authors" else jsonable(getattr(paper, name))
        PaperOverride.objects.update_or_create(
            paper=paper,
            field=name,
            defaults={
                "value": value,
                "set_by": user if getattr(user, "is_authenticated", False) else None,
                "pubmed_value": None,
                "pubmed_disagrees": False,
            },
        )
        kept.append(name)
    return kept


def _author_keys(paper: Paper) -> list[str]:
    return list(paper.authorships.order_by("position").values_list("author__key", flat=True))


def load_overrides(paper_ids: Sequence[int]) -> dict[int, dict[str, PaperOverride]]:
    """Return {paper pk: {field: override}} for these papers (one query)."""
    found: dict[int, dict[str, PaperOverride]] = {}
    for override in PaperOverride.objects.filter(paper_id__in=list(paper_ids)):
        found.setdefault(override.paper_id, {})[override.field] = override
    return found


def keep_corrections(
    paper: Paper,
    changes: list[tuple[str, object, object]],
    overrides: dict[str, PaperOverride],
    job: RefreshJob | None,
    log: list[PaperChange],
    dirty: list[PaperOverride],
) -> list[tuple[str, object, object]]:
    """Undo the refresh's changes to corrected fields; return the changes that stand.

    Each disagreement with a new PubMed value goes to ``log`` (change-log rows) and its
    override to ``dirty`` (to be saved with save_overrides).
    """
    if not overrides:
        return changes
    standing = []
    for name, old, new in changes:
        override = overrides.get(name)
        if override is None:
            standing.append((name, old, new))
            continue
        setattr(paper, name, old)
        note_disagreement(paper.pk, override, jsonable(new), job, log, dirty)
    return standing


def note_disagreement(
    paper_id: int,
    override: PaperOverride,
    pubmed_value: object,
    job: RefreshJob | None,
    log: list[PaperChange],
    dirty: list[PaperOverride],
) -> None:
    """Log PubMed's differing value once (a repeat of the same value logs nothing)."""
    if override.pubmed_disagrees and override.pubmed_value == pubmed_value:
        return
    override.pubmed_value = pubmed_value
    override.pubmed_disagrees = True
    dirty.append(override)
    log.append(
        PaperChange(
            paper_id=paper_id,
            job=job,
            field=CHANGE_PREFIX + override.field.removesuffix("_id"),
            old_value=override.value,
            new_value=pubmed_value,
        )
    )


def save_overrides(dirty: Sequence[PaperOverride]) -> None:
    PaperOverride.objects.bulk_update(dirty, ["pubmed_value", "pubmed_disagrees"])


def _override_removed(sender, instance, **kwargs) -> None:
    """Forget the stored record's hash, so the next refresh writes PubMed's value again even
    if PubMed's record has not changed since."""
    Paper.objects.filter(pk=instance.paper_id).update(source_hash="")


def connect() -> None:
    post_delete.connect(
        _override_removed, sender=PaperOverride, dispatch_uid="irtkb-override-removed"
    )
