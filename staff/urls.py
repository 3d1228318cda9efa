"""URLs of the staff pages (``staff:`` prefix), all under /staff/."""

from django.urls import path

from staff.views import changes, jobs

app_name = "staff"

urlpatterns: list = [
    path("staff/jobs/", jobs.job_list, name="job-list"),
    path("staff/jobs/import/", jobs.import_identifiers, name="import"),
    path("staff/jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("staff/jobs/<int:pk>/progress/", jobs.job_progress, name="job-progress"),
    path("staff/jobs/<int:pk>/retry/", jobs.job_retry, name="job-retry"),
    path("staff/jobs/<int:pk>/cancel/", jobs.job_cancel, name="job-cancel"),
    path("staff/changes/", changes.change_log, name="change-log"),
]
