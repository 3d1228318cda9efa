"""People for the staff pages: sam (staff with the job permissions), root (superuser), and the
ones who must be refused: carl (curator), edna (editor), rita (reader), stu (staff, no job
permissions)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission

from tests.curation.conftest import broker_down, client_for, make_groups, make_user
from tests.worker.conftest import quiet_queue

__all__ = ["broker_down", "client_for", "quiet_queue"]


@dataclass
class Staff:
    sam: object
    root: object
    carl: object
    edna: object
    rita: object
    stu: object


@pytest.fixture
def people(db) -> Staff:
    curator, editor = make_groups()
    sam = make_user("sam", is_staff=True)
    sam.user_permissions.set(
        Permission.objects.filter(codename__in=["view_refreshjob", "add_refreshjob"])
    )
    return Staff(
        sam=sam,
        root=make_user("root", is_staff=True, is_superuser=True),
        carl=make_user("carl", curator),
        edna=make_user("edna", editor),
        rita=make_user("rita"),
        stu=make_user("stu", is_staff=True),
    )
