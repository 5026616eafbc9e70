"""A ratings export larger than WUXING_EXPORT_JOB_ROWS runs as a background job: the request returns at
once with a progress page, the file is the same as the immediate download, and only the job's owner
can see the page or download the file."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.core import jobs
from wuxing.core.models import Job
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, YEAR
from wuxing.rules.tests.test_pages import text_of

pytestmark = pytest.mark.django_db


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def rated(world, rulebooks, save) -> None:
    save(world.village_a, RURAL_FULL)
    save(world.village_b, CYXW_AT_18)


def test_a_large_export_is_a_job_with_progress_and_the_same_file(rated, client_for, settings):
    client = client_for("admin")
    url = f"/stars/ratings/?year={YEAR}&sort=level&format=xlsx"
    direct = _content(client.get(url))
    settings.WUXING_EXPORT_JOB_ROWS = 2  # three organisations: more than that
    started = client.get(url)
    assert started.status_code == 302
    job = Job.objects.get()
    assert started["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.done, job.total, job.user.username) == ("done", 3, 3, "admin")
    page = text_of(client.get(started["Location"]))
    assert "2023年星级评定 Excel" in page and "已完成 · 3 / 3 个组织" in page and "下载" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    got = _content(download)
    for sheet in range(3):
        assert read_rows(got, sheet) == read_rows(direct, sheet)


def test_a_small_export_downloads_at_once(rated, client_for):
    response = client_for("admin").get(f"/stars/ratings/?year={YEAR}&format=xlsx")
    assert response.status_code == 200 and not Job.objects.exists()


def test_only_the_owner_sees_the_job(rated, client_for, settings):
    settings.WUXING_EXPORT_JOB_ROWS = 0
    client_for("street_a").get(f"/stars/ratings/?year={YEAR}&format=xlsx")
    job = Job.objects.get()
    assert job.total == 2  # street A's organisations only
    for role in ("admin", "leader", "street_b"):
        other = client_for(role)
        assert other.get(f"/jobs/{job.pk}/").status_code == 404
        assert other.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client_for("street_a").get(f"/jobs/{job.pk}/download/").status_code == 200


def test_a_running_job_polls_and_a_failed_one_says_so_in_chinese(rated, client_for, world, monkeypatch):
    job = Job.objects.create(user=world.users["admin"], kind="ratings_xlsx", title="导出", total=10, done=4)
    job.status = Job.Status.RUNNING
    job.save()
    client = client_for("admin")
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404

    monkeypatch.setitem(jobs.RUNNERS, "broken", f"{__name__}._broken")
    failed = jobs.start(world.users["admin"], "broken", "导出", "x.xlsx", {})
    assert failed.status == "failed"
    page = text_of(client.get(f"/jobs/{failed.pk}/"))
    assert "生成失败，请稍后重试" in page and "/var/secret" not in page and "every 1s" not in page


def _broken(job: Any, progress: Any) -> None:
    raise RuntimeError("disk full at /var/secret")


def test_outside_tests_a_job_starts_its_own_process_after_commit(
    rated, world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WUXING_JOBS_INLINE = False
    started: list[list[str]] = []
    monkeypatch.setattr(jobs.subprocess, "Popen", lambda args, **kw: started.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(world.users["admin"], "ratings_xlsx", "导出", "x.xlsx", {"year": YEAR})
        assert not started  # not before the job row is committed
    assert started == [[jobs.sys.executable, "-m", "wuxing.manage", "run_job", str(job.pk)]]
    assert Job.objects.get(pk=job.pk).status == "queued"
    from django.core.management import call_command

    call_command("run_job", str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert read_rows(jobs.result_path(job).read_bytes())[0][:3] == ["街道/镇", "组织编码", "组织名称"]
