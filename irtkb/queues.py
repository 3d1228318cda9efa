"""The Celery queues of a refresh job, named in one place for settings, tasks and health.

A job is planned on REFRESH_QUEUE; its batches are fetched from E-utilities on the fetch queue
and stored on the store queue, so a slow NCBI never idles the database and each can get as
many workers as it needs. Unless named (PUBMED_FETCH_QUEUE, STORE_QUEUE) they are
"<REFRESH_QUEUE>.fetch" and "<REFRESH_QUEUE>.store", so a test (or a second site sharing a
Redis) that picks its own REFRESH_QUEUE gets its own three.
"""

from __future__ import annotations


def fetch_queue_name(refresh_queue: str, named: str = "") -> str:
    return named or f"{refresh_queue}.fetch"


def store_queue_name(refresh_queue: str, named: str = "") -> str:
    return named or f"{refresh_queue}.store"


def job_queue_names(refresh_queue: str, fetch: str = "", store: str = "") -> list[str]:
    """Return [planning, fetch, store] queue names, as a worker serving all of a job takes."""
    return [
        refresh_queue,
        fetch_queue_name(refresh_queue, fetch),
        store_queue_name(refresh_queue, store),
    ]
