"""Background jobs (docs/decisions.md §25): work that would hold a request open for long — a province's
rating export — runs in a process of its own (`wuxing run_job <id>`, started with subprocess, no broker),
writes its progress to its `core.Job` row, and leaves its file under WUXING_VAR_DIR/jobs/ (private, like
everything there), which only the job's owner can download.

Runners are named by dotted path so that core does not import the apps: a runner is called as
`runner(job, progress)` with `progress(done, total)`, writes the file at `result_path(job)` and returns.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from wuxing.core.models import Job

log = logging.getLogger(__name__)

RUNNERS = {"ratings_xlsx": "wuxing.rules.exports.run_ratings_job"}
FAILED_MESSAGE = "生成失败，请稍后重试；如仍失败请联系管理员。"


def result_path(job: Job) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"{job.pk}.out"


def start(user: Any, kind: str, title: str, filename: str, params: dict[str, Any]) -> Job:
    """Record the job and start it once the transaction commits (in tests, WUXING_JOBS_INLINE: at once)."""
    if kind not in RUNNERS:
        raise ValueError(kind)
    job = Job.objects.create(user=user, kind=kind, title=title, filename=filename, params=params)
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
    Job.objects.filter(pk=pk).update(status=Job.Status.RUNNING)
    path = result_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=pk).update(done=done, total=total)

    runner: Callable[[Job, Callable[[int, int], None]], None] = import_string(RUNNERS[job.kind])
    try:
        runner(job, progress)
    except Exception:
        log.exception("job %s (%s) failed", pk, job.kind)
        path.unlink(missing_ok=True)
        Job.objects.filter(pk=pk).update(
            status=Job.Status.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now()
        )
        return
    Job.objects.filter(pk=pk).update(status=Job.Status.DONE, finished_at=timezone.now())
