"""Who may do what with evidence items: the three kinds of user, in one place.

- readers (anonymous or any account): see published items only;
- curators (group ``Curator``): create, edit and submit items;
- editors (group ``Editor``): everything a curator may, plus publish, send back and retire,
  but never publish their own submission (two-person review);
- admins (``is_staff``): the Django admin, imports and jobs (``papers.view_refreshjob`` to
  watch them, ``papers.add_refreshjob`` to start, retry and cancel them); they curate and edit
  only if they are also in those groups or are superusers.

Permissions are Django's own (``papers.add_evidencenote``, ``papers.change_evidencenote``,
``papers.publish_evidencenote``); the groups hold them, so an admin can grant them per user too.
"""

from __future__ import annotations

from typing import Any

CURATOR_GROUP = "Curator"
EDITOR_GROUP = "Editor"

CURATE_PERMISSIONS = ("papers.add_evidencenote", "papers.change_evidencenote")
PUBLISH_PERMISSION = "papers.publish_evidencenote"


def can_curate(user: Any) -> bool:
    """Return True when ``user`` may create, edit and submit evidence items."""
    return bool(user.is_authenticated and user.has_perms(CURATE_PERMISSIONS))


def can_publish(user: Any) -> bool:
    """Return True when ``user`` may publish, send back or retire evidence items.

    Whether they may publish a *given* item (not their own submission) is the workflow's check.
    """
    return bool(user.is_authenticated and user.has_perm(PUBLISH_PERMISSION))


JOB_VIEW_PERMISSION = "papers.view_refreshjob"
JOB_RUN_PERMISSION = "papers.add_refreshjob"


def can_view_jobs(user: Any) -> bool:
    """Return True when ``user`` may watch PubMed jobs and browse the change log (staff)."""
    return bool(user.is_authenticated and user.is_staff and user.has_perm(JOB_VIEW_PERMISSION))


def can_run_jobs(user: Any) -> bool:
    """Return True when ``user`` may import identifiers, retry and cancel jobs (staff)."""
    return bool(can_view_jobs(user) and user.has_perm(JOB_RUN_PERMISSION))
