"""Background jobs in general (docs/decisions.md §25, §40): a job names its phase on its page, a job
without a file links to its result, and a job whose process died is marked failed once it has been
silent for WUXING_JOB_STALE_SECONDS, so that its page stops polling and offers 重试."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from wuxing.core import jobs
from wuxing.core.models import Job
from wuxing.rules.tests.helpers import text_of

pytestmark = pytest.mark.django_db


def _running(user: Any, seconds_ago: int, **fields: Any) -> Job:
    return Job.objects.create(
        user=user,
        kind="rulebook_activation",
        title="启用细则并重新计分",
        status=Job.Status.RUNNING,
        beat_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
        **fields,
    )


def test_the_page_shows_the_phase_and_what_it_counts(world: Any, client_for: Any) -> None:
    job = _running(world.users["admin"], 0, phase="rescore", done=500, total=2000)
    html = client_for("admin").get(f"/jobs/{job.pk}/").content.decode()
    page = text_of(client_for("admin").get(f"/jobs/{job.pk}/"))
    assert "进行中 · 重新计分 · 500 / 2000 项" in page and 'aria-valuenow="25"' in html
    assert "按新细则重新计分" in page  # the activation's own explanation, not the export's
    Job.objects.filter(pk=job.pk).update(phase="ratings", done=0, total=40)
    assert "进行中 · 更新评定 · 0 / 40 个组织" in text_of(client_for("admin").get(f"/jobs/{job.pk}/"))


def test_a_finished_job_without_a_file_links_to_its_result(world: Any, client_for: Any) -> None:
    job = _running(world.users["admin"], 0, result_url="/stars/rulebooks/1/", phase="ratings")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, outcome="已启用第2版，重新计分 40 项。")
    client = client_for("admin")
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-result" href="/stars/rulebooks/1/"' in html and "job-download" not in html
    assert "已启用第2版，重新计分 40 项。" in text_of(client.get(f"/jobs/{job.pk}/"))
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_job_silent_for_longer_than_the_limit_is_failed_with_a_retry(
    world: Any, client_for: Any, settings: Any
) -> None:
    settings.WUXING_JOB_STALE_SECONDS = 600
    user = world.users["admin"]
    dead = _running(user, 601, retry_url="/stars/rulebooks/1/activate/")
    alive = _running(user, 599)
    queued_long_ago = Job.objects.create(user=user, kind="ratings_xlsx", title="导出")
    Job.objects.filter(pk=queued_long_ago.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )  # from before progress was recorded (no beat at all)
    client = client_for("admin")

    html = client.get(f"/jobs/{alive.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html  # still within the limit: polling on
    dead.refresh_from_db()
    assert dead.status == "failed"  # any job page looks for dead jobs
    html = client.get(f"/jobs/{dead.pk}/").content.decode()
    assert jobs.STALE_MESSAGE in html and "every 1s" not in html
    assert 'action="/stars/rulebooks/1/activate/"' in html and "重试" in html
    assert Job.objects.get(pk=alive.pk).status == "running"
    assert Job.objects.get(pk=queued_long_ago.pk).status == "failed"

    # a dead job is not run again by a late `run_job`
    jobs.run(dead.pk)
    assert Job.objects.get(pk=dead.pk).status == "failed"


def test_progress_keeps_a_job_alive(world: Any, settings: Any, monkeypatch: Any) -> None:
    settings.WUXING_JOB_STALE_SECONDS = 600
    monkeypatch.setitem(jobs.RUNNERS, "slow", f"{__name__}._slow")
    job = jobs.start(world.users["admin"], "slow", "慢任务", "", {})
    assert (job.status, job.outcome) == ("done", "完成")
    assert job.beat_at is not None and job.beat_at > timezone.now() - dt.timedelta(minutes=1)


def _slow(job: Job, progress: Any) -> str:
    """Silent for an hour, then a progress report, then a look for dead jobs: it is not one."""
    Job.objects.filter(pk=job.pk).update(beat_at=timezone.now() - dt.timedelta(hours=1))
    progress(1, 2)
    jobs.fail_stale()
    return "完成"


def test_progress_inside_the_runners_transaction_is_seen_by_the_page(
    world: Any, client_for: Any, monkeypatch: Any
) -> None:
    """The activation rescores inside one transaction: its row's updates would stay invisible until
    it commits, so the page reads the progress the process last wrote beside the job."""
    monkeypatch.setitem(jobs.RUNNERS, "held", f"{__name__}._held")
    job = Job.objects.create(user=world.users["admin"], kind="held", title="启用", status=Job.Status.QUEUED)
    _seen.clear()
    jobs.run(job.pk)
    assert _seen == [("rescore", 5, 10)]
    job.refresh_from_db()
    assert (job.status, job.phase, job.done, job.total) == ("done", "ratings", 7, 7)
    assert not (jobs._progress_path(job.pk)).exists()
    # a running job's page shows the file's state over its row's
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, phase="", done=0, total=0)
    state = {"phase": "rescore", "done": 30, "total": 40, "beat": timezone.now().isoformat()}
    jobs._progress_path(job.pk).write_text(json.dumps(state))
    assert "重新计分 · 30 / 40 项" in text_of(client_for("admin").get(f"/jobs/{job.pk}/"))


_seen: list[tuple[str, int, int]] = []


def _held(job: Job, progress: Any) -> str:
    from django.db import transaction

    with transaction.atomic():
        jobs.set_phase(job, "rescore", 10)
        progress(5, 10)
        shown = jobs.live(Job.objects.get(pk=job.pk))
        _seen.append((shown.phase, shown.done, shown.total))
    jobs.set_phase(job, "ratings", 7)
    progress(7, 7)
    return ""
