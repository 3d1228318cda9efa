"""The related-papers fetch as a Celery task (thin: the work is papers.related)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from papers.related import fetch_related

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def fetch_related_papers(paper_id: int) -> int:
    """Fetch one paper's similar and citing PMIDs; safe to run twice (it overwrites the row)."""
    return fetch_related(paper_id=paper_id).pk


def queue_fetch(paper_id: int) -> None:
    """Queue the fetch once the current transaction commits; a broker outage is only logged
    (the page shows no related papers yet, and the next view after an hour asks again)."""

    def send() -> None:
        try:
            fetch_related_papers.apply_async(args=(paper_id,), queue=settings.REFRESH_QUEUE)
        except (BrokerError, ConnectionError, OSError) as exc:
            logger.warning("related papers of %s not queued: %s", paper_id, exc)

    transaction.on_commit(send)
