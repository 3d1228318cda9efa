"""The monthly release, as a thin Celery task (beat schedule in irtkb/settings.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from papers.releases.build import ReleaseExists, make_release

logger = logging.getLogger(__name__)


@shared_task
def make_monthly_release() -> str:
    """Write today's release; return its date. A second run on the same day does nothing."""
    day = timezone.now().date()
    try:
        release = make_release(day=day)
    except ReleaseExists:
        logger.info("A release for %s exists; nothing to do", day)
        return day.isoformat()
    logger.info("Release %s written to %s", day, release.path)
    return day.isoformat()
