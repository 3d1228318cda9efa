"""Curators' triage decisions on inbox items: relevant (to therapies), not relevant, duplicate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from papers.content_version import mark_content_changed
from papers.models import IntakeItem, Paper, Therapy
from papers.roles import can_curate


@transaction.atomic
def triage_items(
    *,
    items: Sequence[IntakeItem],
    user: Any,
    status: str,
    therapies: Iterable[Therapy] = (),
    reason: str = "",
) -> int:
    """Record one decision on every item of ``items``; return how many were decided.

    Relevant needs at least one therapy (the paper becomes tied to each), not relevant a
    reason from IntakeItem.Reason; raise ValueError otherwise, with nothing written. A later
    decision replaces an earlier one (a curator may change their mind).
    """
    if not can_curate(user):
        raise PermissionDenied("Only curators triage papers.")
    therapies = list(therapies)
    if status == IntakeItem.Status.RELEVANT and not therapies:
        raise ValueError("Choose the therapy (or therapies) the paper is relevant to.")
    if status == IntakeItem.Status.NOT_RELEVANT and reason not in IntakeItem.Reason.values:
        raise ValueError("Choose why the paper is not relevant.")
    if status not in (
        IntakeItem.Status.RELEVANT,
        IntakeItem.Status.NOT_RELEVANT,
        IntakeItem.Status.DUPLICATE,
    ):
        raise ValueError(f"unknown triage decision {status!r}")
    now = timezone.now()
    for item in items:
        item.status = status
        item.reason = reason if status == IntakeItem.Status.NOT_RELEVANT else ""
        item.triaged_by = user
        item.triaged_at = now
        item.save(update_fields=["status", "reason", "triaged_by", "triaged_at"])
        item.therapies.set(therapies if status == IntakeItem.Status.RELEVANT else [])
    # A relevant paper now appears on its therapies' pages (Paper.objects.tied_to_therapy).
    mark_content_changed()
    return len(items)


def untriaged_by_therapy() -> list[Therapy]:
    """Return every therapy with ``untriaged``: its papers waiting in the inbox (one query)."""
    waiting = Q(watched_searches__items__status=IntakeItem.Status.UNTRIAGED)
    return list(
        Therapy.objects.order_by("position", "name").annotate(
            untriaged=Count("watched_searches__items", filter=waiting)
        )
    )


SUGGESTED_MAX = 20


def suggested_papers(therapy: Therapy | int | None, *, cited: Iterable[int] = ()) -> list[Paper]:
    """Return papers triaged relevant to ``therapy`` and not cited yet, for the item editor."""
    if therapy is None:
        return []
    items = IntakeItem.objects.relevant_to(therapy).exclude(paper_id__in=list(cited))
    return [item.paper for item in items[:SUGGESTED_MAX]]
