"""Who may open which staff page: anonymous visitors go to the login page; signed-in readers,
curators, editors and staff without the job permissions get 403."""

from __future__ import annotations

from curation.views.access import role_required
from papers.roles import can_run_jobs, can_view_jobs

jobs_viewer_required = role_required(can_view_jobs, "Jobs and the change log are for staff.")
jobs_runner_required = role_required(can_run_jobs, "Only staff may import, retry or cancel jobs.")
