"""Staff job pages: import a list, the job list, one job (live progress), retry and cancel.

The job page polls its progress fragment with htmx (no inline script: the page works under a
CSP without 'unsafe-inline'); the fragment stops asking once the job is finished.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from curation.imports import QueueUnavailable
from papers import refresh
from papers.models import RefreshJob
from papers.pubmed import InvalidIdentifierError
from papers.roles import can_run_jobs
from staff.access import jobs_runner_required, jobs_viewer_required
from staff.forms import ImportForm, JobFilterForm
from staff.imports import ReadList, queue_import, queue_retry
from staff.selectors import batch_summary, job_errors, jobs

JOBS_PER_PAGE = 50
BAD_LINES_SHOWN = 50  # in the messages after an import; the rest are counted


@require_http_methods(["GET", "POST"])
@jobs_runner_required
def import_identifiers(request: HttpRequest) -> HttpResponse:
    """Read a pasted or uploaded list; queue its good identifiers as one job, report bad lines."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        read = form.read
        try:
            job = queue_import(identifiers=read.identifiers, user=request.user)
        except QueueUnavailable as error:
            form.add_error(None, str(error))
            return render(request, "staff/import.html", {"form": form}, status=503)
        _report_import(request, job, read)
        return redirect(job)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/import.html", {"form": form}, status=status)


def _report_import(request: HttpRequest, job: RefreshJob, read: ReadList) -> None:
    count = len(read.identifiers)
    repeats = f" ({read.repeats} repeated, queued once)" if read.repeats else ""
    messages.success(
        request, f"Queued job #{job.pk} for {count} identifier{'' if count == 1 else 's'}{repeats}."
    )
    if read.bad_lines:
        bad = len(read.bad_lines)
        messages.error(
            request, f"{bad} line{'' if bad == 1 else 's'} not queued (nothing else was affected):"
        )
        for line in read.bad_lines[:BAD_LINES_SHOWN]:
            messages.error(request, str(line))
        if bad > BAD_LINES_SHOWN:
            messages.error(request, f"… and {bad - BAD_LINES_SHOWN} more bad lines.")


@require_GET
@jobs_viewer_required
def job_list(request: HttpRequest) -> HttpResponse:
    """List the jobs, newest first, filtered by status."""
    form = JobFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(jobs(status=status), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/job_list.html",
        {"form": form, "page": page, "status": status, "can_run": can_run_jobs(request.user)},
    )


def _job_context(request: HttpRequest, pk: int) -> dict:
    job = get_object_or_404(RefreshJob.objects.select_related("requested_by", "retry_of"), pk=pk)
    errors, error_total = job_errors(job)
    retryable = job.is_finished and any(refresh.failed_identifiers(job))
    return {
        "job": job,
        "errors": errors,
        "error_total": error_total,
        "batches": batch_summary(job),
        "retries": list(job.retries.order_by("pk")),
        "change_count": job.changes.count(),
        "can_run": can_run_jobs(request.user),
        "can_retry": retryable,
        "can_cancel": not job.is_finished and job.cancel_requested_at is None,
    }


@require_GET
@jobs_viewer_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one job: the page around the live progress fragment."""
    return render(request, "staff/job_detail.html", _job_context(request, pk))


@require_GET
@jobs_viewer_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the job's progress fragment (htmx polls it until the job is finished)."""
    response = render(request, "staff/_job_progress.html", _job_context(request, pk))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@jobs_runner_required
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a new job for the failed identifiers of this one and open it."""
    job = get_object_or_404(RefreshJob, pk=pk)
    try:
        retry = queue_retry(job=job, user=request.user)
    except InvalidIdentifierError:
        messages.info(request, f"Job #{job.pk} has no failed identifiers to retry.")
        return redirect(job)
    except QueueUnavailable as error:
        messages.error(request, str(error))
        return redirect(job)
    messages.success(request, f"Queued job #{retry.pk} retrying the failures of job #{job.pk}.")
    return redirect(retry)


@require_POST
@jobs_runner_required
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the job: at once if queued, else once the batch being stored is done."""
    get_object_or_404(RefreshJob, pk=pk)
    job = refresh.cancel_job(job_id=pk)
    if job.status == RefreshJob.Status.CANCELLED:
        messages.success(request, f"Job #{job.pk} is cancelled.")
    elif job.is_finished:
        messages.info(request, f"Job #{job.pk} had already finished.")
    else:
        messages.success(
            request, f"Job #{job.pk} will stop after the batch it is storing; nothing is cut short."
        )
    return redirect(job)
