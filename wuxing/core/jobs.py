"""Background jobs (docs/decisions.md §25, §40): work that would hold a request open for long — a
province's rating export, activating a rulebook over a province's values — runs in a process of its own
(`wuxing run_job <id>`, started with subprocess, no broker) and writes its progress to its `core.Job`
row. An export leaves its file under WUXING_VAR_DIR/jobs/ (private, like everything there), which only the
job's owner can download; a job without a file links to its result (`result_url`) instead.

Runners are named by dotted path so that core does not import the apps: a runner is called as
`runner(job, progress)` with `progress(done, total)`, may name its phase with `set_phase`, writes its
file (if any) at `result_path(job)` and returns None or a sentence in Chinese saying what it did (shown on
the job page).

A job whose process died (the server restarted mid-job) stops reporting progress; `fail_stale` marks it
failed after WUXING_JOB_STALE_SECONDS, so that its page says so and offers to start it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from wuxing.core.models import Job

log = logging.getLogger(__name__)

RUNNERS = {
    "ratings_xlsx": "wuxing.rules.exports.run_ratings_job",
    "rulebook_activation": "wuxing.rules.services.run_activation_job",
}
# what the job page says while a job of this kind runs (the default: a file being written)
INTROS = {
    "rulebook_activation": _(
        "数据较多，正在后台按新细则重新计分并更新星级评定；完成前各页面仍按原细则显示，可以离开本页。"
    ),
}
DEFAULT_INTRO = _("数据较多，正在后台生成；可以离开本页，稍后从原页面再次导出或用本页地址查看。")
FAILED_MESSAGE = "生成失败，请稍后重试；如仍失败请联系管理员。"
STALE_MESSAGE = "任务中断（服务器重启或进程退出），未完成的修改已撤销，请重试。"


def result_path(job: Job) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"{job.pk}.out"


def start(
    user: Any,
    kind: str,
    title: str,
    filename: str,
    params: dict[str, Any],
    *,
    result_url: str = "",
    retry_url: str = "",
) -> Job:
    """Record the job and start it once the transaction commits (in tests, WUXING_JOBS_INLINE: at once).

    A job without a file (`filename` empty) names `result_url`, the page that shows what it did, and may
    name `retry_url`, where a POST starts it again (the job page's 重试 button when it failed)."""
    if kind not in RUNNERS:
        raise ValueError(kind)
    job = Job.objects.create(
        user=user,
        kind=kind,
        title=title,
        filename=filename,
        params=params,
        result_url=result_url,
        retry_url=retry_url,
        beat_at=timezone.now(),
    )
    if getattr(settings, "WUXING_JOBS_INLINE", False):
        run(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _spawn(job.pk))
    return job


def _spawn(pk: int) -> None:
    subprocess.Popen(
        [sys.executable, "-m", "wuxing.manage", "run_job", str(pk)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlives the request's worker
    )


def run(pk: int) -> None:
    """Run a queued job to its end, recording progress; a failure is logged and shown in Chinese."""
    job = Job.objects.get(pk=pk)
    if job.status != Job.Status.QUEUED:
        return
    Job.objects.filter(pk=pk).update(status=Job.Status.RUNNING, beat_at=timezone.now())
    path = result_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=pk).update(done=done, total=total, beat_at=timezone.now())

    runner: Callable[[Job, Callable[[int, int], None]], str | None] = import_string(RUNNERS[job.kind])
    try:
        outcome = runner(job, progress)
    except Exception:
        log.exception("job %s (%s) failed", pk, job.kind)
        path.unlink(missing_ok=True)
        Job.objects.filter(pk=pk).update(
            status=Job.Status.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now()
        )
        return
    Job.objects.filter(pk=pk).update(
        status=Job.Status.DONE, outcome=(outcome or "")[:300], error="", finished_at=timezone.now()
    )


def set_phase(job: Job, phase: str, total: int = 0) -> None:
    """A runner with several phases names the one it starts (`Job.Phase`); progress counts from 0 again."""
    job.phase = phase
    Job.objects.filter(pk=job.pk).update(phase=phase, done=0, total=total, beat_at=timezone.now())


def fail_stale(now: dt.datetime | None = None) -> int:
    """Mark failed the jobs that are queued or running but have not reported progress for
    WUXING_JOB_STALE_SECONDS: their process is gone (a restart, a kill). Their transaction died with it,
    so nothing half-done was kept. Returns how many were marked."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.WUXING_JOB_STALE_SECONDS)
    silent = Q(beat_at__lt=limit) | Q(beat_at__isnull=True, created_at__lt=limit)
    return Job.objects.filter(silent, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
        status=Job.Status.FAILED, error=STALE_MESSAGE, finished_at=timezone.now()
    )
