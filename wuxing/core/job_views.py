"""A background job's page (progress, then the download link or the link to its result) and its
download: the owner's only, anybody else gets 404 (docs/decisions.md §25, §40)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from wuxing.core.excel import XLSX_MIME, _disposition
from wuxing.core.jobs import DEFAULT_INTRO, INTROS, fail_stale, live, result_path
from wuxing.core.models import Job


def _own_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, user_id=request.user.pk)


@require_safe
def job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.status in (Job.Status.QUEUED, Job.Status.RUNNING) and fail_stale():
        job.refresh_from_db()  # its process is gone: say so instead of polling for ever
    job = live(job)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(
        request,
        template,
        {
            "job": job,
            "finished": job.status in (Job.Status.DONE, Job.Status.FAILED),
            "intro": INTROS.get(job.kind, DEFAULT_INTRO),
        },
    )


@require_safe
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    path = result_path(job)
    if job.status != Job.Status.DONE or job.result_url or not path.exists():  # a result link: no file
        raise Http404
    response = FileResponse(path.open("rb"), content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(job.filename or f"{job.pk}.xlsx")
    return response
