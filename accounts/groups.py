"""The Curator and Editor groups and the permissions each holds (names in papers/roles.py).

Migration accounts/0001 creates them on every database; ``ensure_role_groups`` recreates any
that went missing (after ``manage.py flush``), without touching groups that exist, so an
admin's later changes to a group's permissions are kept.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

from papers.roles import CURATOR_GROUP, EDITOR_GROUP

CURATOR_PERMISSIONS = (
    "papers.add_evidencenote",
    "papers.change_evidencenote",
    "papers.view_evidencenote",
)
EDITOR_PERMISSIONS = (*CURATOR_PERMISSIONS, "papers.publish_evidencenote")
ROLE_PERMISSIONS = {CURATOR_GROUP: CURATOR_PERMISSIONS, EDITOR_GROUP: EDITOR_PERMISSIONS}


def ensure_role_groups(
    sender: Any = None,
    *,
    apps: Any = global_apps,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: Any,
) -> None:
    """Create the role groups that do not exist yet, each with its permissions.

    Works with the real app registry and, as a post_migrate receiver, with the migration
    state's ``apps``.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = Group.objects.using(using)
    missing = [name for name in ROLE_PERMISSIONS if not groups.filter(name=name).exists()]
    if not missing:
        return
    # Permission rows are made by a post_migrate receiver of their own, which may not have run
    # for the papers app yet; making them here is idempotent.
    create_permissions(global_apps.get_app_config("papers"), apps=apps, using=using, verbosity=0)
    for name in missing:
        codenames = [perm.split(".", 1)[1] for perm in ROLE_PERMISSIONS[name]]
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="papers", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise LookupError(f"missing permissions for the {name} group: {codenames}")
        group = groups.create(name=name)
        group.permissions.set(permissions)
