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
import json
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
        job.done, job.total = done, total
        _report(job)

    runner: Callable[[Job, Callable[[int, int], None]], str | None] = import_string(RUNNERS[job.kind])
    try:
        outcome = runner(job, progress)
    except Exception:
        log.exception("job %s (%s) failed", pk, job.kind)
        path.unlink(missing_ok=True)
        _finish(job, status=Job.Status.FAILED, error=FAILED_MESSAGE)
        return
    _finish(job, status=Job.Status.DONE, outcome=(outcome or "")[:300], error="")


def set_phase(job: Job, phase: str, total: int = 0) -> None:
    """A runner with several phases names the one it starts (`Job.Phase`); progress counts from 0 again."""
    job.phase, job.done, job.total = phase, 0, total
    _report(job)


# Progress is written to a small file beside the job's result as well as to its row: a runner inside a
# long transaction (the activation's rescore, §40) cannot make its row's updates visible before it
# commits, and on SQLite no other connection may write while it holds the lock. The job page reads the
# file while the job runs; the row gets the last state when the job ends.


def _progress_path(pk: int) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"{pk}.progress"


def _report(job: Job) -> None:
    job.beat_at = timezone.now()
    state = {"phase": job.phase, "done": job.done, "total": job.total, "beat": job.beat_at.isoformat()}
    path = _progress_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_suffix(".progress-new")
    spare.write_text(json.dumps(state), encoding="utf-8")
    spare.replace(path)  # readers see the old state or the new one, never half a file
    if not transaction.get_connection().in_atomic_block:
        Job.objects.filter(pk=job.pk).update(
            phase=job.phase, done=job.done, total=job.total, beat_at=job.beat_at
        )


def _finish(job: Job, **fields: Any) -> None:
    Job.objects.filter(pk=job.pk).update(
        phase=job.phase,
        done=job.done,
        total=job.total,
        beat_at=job.beat_at,
        finished_at=timezone.now(),
        **fields,
    )
    _progress_path(job.pk).unlink(missing_ok=True)


def live(job: Job) -> Job:
    """The job with the progress its process last reported (from the progress file, while it runs)."""
    if job.status not in (Job.Status.QUEUED, Job.Status.RUNNING):
        return job
    try:
        state = json.loads(_progress_path(job.pk).read_text(encoding="utf-8"))
        beat = dt.datetime.fromisoformat(state["beat"])
    except (OSError, ValueError, KeyError):
        return job
    if job.beat_at is None or beat > job.beat_at:
        job.phase, job.done, job.total, job.beat_at = state["phase"], state["done"], state["total"], beat
    return job


def fail_stale(now: dt.datetime | None = None) -> int:
    """Mark failed the jobs that are queued or running but have not reported progress for
    WUXING_JOB_STALE_SECONDS: their process is gone (a restart, a kill). Their transaction died with it,
    so nothing half-done was kept. Returns how many were marked."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=settings.WUXING_JOB_STALE_SECONDS)
    silent = Q(beat_at__lt=limit) | Q(beat_at__isnull=True, created_at__lt=limit)
    candidates = Job.objects.filter(silent, status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
    # the row may lag behind a job inside a long transaction: its progress file says whether it lives
    dead = [job.pk for job in candidates if (live(job).beat_at or job.created_at) < limit]
    if not dead:
        return 0
    return Job.objects.filter(pk__in=dead, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
        status=Job.Status.FAILED, error=STALE_MESSAGE, finished_at=timezone.now()
    )
