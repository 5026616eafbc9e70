"""Activating a rulebook over more values than WUXING_RESCORE_JOB_SCORES (docs/decisions.md §40): the
request records who asked and goes to a job page; the job switches the version and rescores in one
transaction (phase 重新计分), then decides the kept ratings again (phase 更新评定). Until it commits,
every page rates by the version in force before — never a mixture."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.core import jobs
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog, Job
from wuxing.orgs.models import Level, OrgUnit
from wuxing.rules import kept, queries, services
from wuxing.rules.models import Rating, RulebookVersion, Score
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, STJY_FULL, YEAR, replace_once, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(world: Any, rulebooks: Any, save: Any) -> RulebookVersion:
    """Village A full marks; village B at 18 万元 (misses 产业兴旺星 under ≥ 20, gains it under ≥ 15).
    Returns v2 of the rural book (≥ 15 万元), not active."""
    save(world.village_a, RURAL_FULL)
    save(world.village_b, {**CYXW_AT_18, **STJY_FULL})
    v1 = rulebooks["rural"]
    return services.create_version(
        system_user(),
        replace_once(v1.content, "target: 20\n", "target: 15\n"),
        note="收入门槛 15 万元",
        based_on=v1,
        activate=False,
    )


def _stars(world: Any) -> dict[str, tuple[str, ...]]:
    return {r.org_code: r.result.stars for r in queries.rate(world.users["admin"], YEAR)}


def _kept_equals_memory(world: Any) -> None:
    """Every kept rating of the year is fresh, under the active version, and what rating in memory says."""
    admin = world.users["admin"]
    branches = OrgUnit.objects.filter(level=Level.BRANCH)
    assert not Rating.objects.filter(year=YEAR, fresh=False).exists()
    in_memory = {r.org_id: (r.level, r.rulebook.pk) for r in queries.rate(admin, YEAR)}
    stored = dict(
        Rating.objects.filter(year=YEAR, org__in=branches).values_list("org_id", "level").order_by()
    )
    versions = dict(Rating.objects.filter(year=YEAR).values_list("org_id", "rulebook_id").order_by())
    assert {pk: (stored[pk], versions[pk]) for pk in in_memory} == in_memory
    assert kept.refresh(branches, YEAR, whole=True)  # and a reader finds nothing left to do


def test_above_the_threshold_activation_is_a_job_that_switches_rescores_and_warms_the_ratings(
    rated: RulebookVersion, world: Any, client_for: Any, settings: Any, monkeypatch: Any
) -> None:
    v2 = rated
    values = Score.objects.filter(year=YEAR, org__area_kind="rural").count()
    settings.WUXING_RESCORE_JOB_SCORES = values - 1
    seen: list[tuple[int, int]] = []
    real = services.rescore

    def watched(rb: Any, batch: int = 2000, progress: Any = None) -> Any:
        def both(done: int, total: int) -> None:
            seen.append((done, total))
            progress(done, total)

        return real(rb, batch=2, progress=both)  # small batches: several progress reports

    monkeypatch.setattr(services, "rescore", watched)
    client = client_for("admin")
    response = client.post(f"/stars/rulebooks/{v2.pk}/activate/", {"note": "门槛调整"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.user.username) == ("rulebook_activation", "done", "admin")
    # phase 1 counted every value of the year and kind up to its total; phase 2 every rural branch
    assert len(seen) > 2 and seen[-1] == (values, values)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    rural = OrgUnit.objects.filter(level=Level.BRANCH, area_kind="rural").count()
    assert (job.phase, job.done, job.total) == ("ratings", rural, rural)

    v2.refresh_from_db()
    assert v2.is_active and not RulebookVersion.objects.get(year=YEAR, kind="rural", version=1).is_active
    assert set(
        Score.objects.filter(year=YEAR, org__area_kind="rural").values_list("scored_with_id", flat=True)
    ) == {v2.pk}
    assert "cyxw" in _stars(world)[world.village_b.code]
    _kept_equals_memory(world)

    queued = DecisionLog.objects.get(action="rulebook_activation_queued", object_id=str(v2.pk))
    done = DecisionLog.objects.get(action="rulebook_activated", object_id=str(v2.pk))
    assert queued.actor == done.actor == world.users["admin"]
    assert "门槛调整" in queued.comment and (done.from_state, done.to_state) == ("v1", "v2")

    page = text_of(client.get(f"/jobs/{job.pk}/"))
    assert f"已启用{v2}，重新计分 {values} 项" in page and "查看结果" in page
    assert f'href="/stars/rulebooks/{v2.pk}/"' in client.get(f"/jobs/{job.pk}/").content.decode()
    assert "下载" not in page


def test_below_the_threshold_activation_stays_in_the_request(
    rated: RulebookVersion, world: Any, client_for: Any
) -> None:
    response = client_for("admin").post(f"/stars/rulebooks/{rated.pk}/activate/", {"note": ""})
    assert response.status_code == 302 and response["Location"] == f"/stars/rulebooks/{rated.pk}/"
    assert not Job.objects.exists()
    rated.refresh_from_db()
    assert rated.is_active and "cyxw" in _stars(world)[world.village_b.code]


def test_at_the_threshold_activation_stays_in_the_request(
    rated: RulebookVersion, client_for: Any, settings: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = Score.objects.filter(year=YEAR, org__area_kind="rural").count()
    client_for("admin").post(f"/stars/rulebooks/{rated.pk}/activate/", {"note": ""})
    assert not Job.objects.exists()


def test_until_the_job_commits_every_page_rates_by_the_version_in_force_before(
    rated: RulebookVersion, world: Any, settings: Any, monkeypatch: Any, client_for: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    settings.WUXING_JOBS_INLINE = False
    monkeypatch.setattr(jobs, "_spawn", lambda pk: None)
    v2 = rated
    before = _stars(world)
    services.activate_version(world.users["admin"], v2, "门槛调整")
    job = v2.job
    assert Job.objects.get(pk=job.pk).status == "queued"

    # queued: v1 is still the version in force, its scores and kept ratings untouched
    v2.refresh_from_db()
    assert not v2.is_active and _stars(world) == before and "cyxw" not in before[world.village_b.code]
    listing = kept.listing(world.users["admin"], YEAR, kind="rural")
    assert listing is not None
    assert {r.org_code: r.result.stars for r in listing.rows} == {
        k: v for k, v in before.items() if k in {r.org_code for r in listing.rows}
    }
    page = text_of(client_for("admin").get(f"/stars/rulebooks/{v2.pk}/"))
    assert f"后台任务进行中：启用{v2}并重新计分" in page and "查看进度" in page
    assert "查看进度" not in text_of(client_for("leader").get(f"/stars/rulebooks/{v2.pk}/"))

    jobs.run(job.pk)
    assert Job.objects.get(pk=job.pk).status == "done"
    assert "cyxw" in _stars(world)[world.village_b.code]
    _kept_equals_memory(world)


def test_two_activations_racing_the_later_request_wins_whichever_job_runs_first(
    rated: RulebookVersion, world: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    settings.WUXING_JOBS_INLINE = False
    monkeypatch.setattr(jobs, "_spawn", lambda pk: None)
    admin = world.users["admin"]
    v2 = rated
    v3 = services.create_version(admin, v2.content, note="第三版", activate=False)
    services.activate_version(admin, v2)
    services.activate_version(admin, v3)
    first, second = v2.job, v3.job

    jobs.run(second.pk)  # the later request's job happens to run first
    jobs.run(first.pk)
    assert RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True) == v3
    assert set(
        Score.objects.filter(year=YEAR, org__area_kind="rural").values_list("scored_with_id", flat=True)
    ) == {v3.pk}
    first.refresh_from_db()
    assert first.status == "done" and "以该次为准" in first.outcome
    _kept_equals_memory(world)


def test_a_failed_activation_changes_nothing_says_so_in_chinese_and_can_be_retried(
    rated: RulebookVersion, world: Any, settings: Any, monkeypatch: Any, client_for: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    real = services.rescore

    def broken(rb: Any, batch: int = 2000, progress: Any = None) -> Any:
        real(rb, progress=progress)  # every value written under v2 …
        raise RuntimeError("connection lost at /var/secret")  # … then the process fails

    monkeypatch.setattr(services, "rescore", broken)
    client = client_for("admin")
    v2 = rated
    v1 = RulebookVersion.objects.get(year=YEAR, kind="rural", version=1)
    before = _stars(world)
    response = client.post(f"/stars/rulebooks/{v2.pk}/activate/", {"note": ""})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.status == "failed"
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.is_active and not v2.is_active and _stars(world) == before
    assert set(
        Score.objects.filter(year=YEAR, org__area_kind="rural").values_list("scored_with_id", flat=True)
    ) == {v1.pk}
    assert not DecisionLog.objects.filter(action="rulebook_activated", object_id=str(v2.pk)).exists()
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "生成失败，请稍后重试" in html and "/var/secret" not in html and "every 1s" not in html
    assert f'action="/stars/rulebooks/{v2.pk}/activate/"' in html and "重试" in html

    monkeypatch.setattr(services, "rescore", real)
    retried = client.post(f"/stars/rulebooks/{v2.pk}/activate/", {"note": ""})
    again = Job.objects.exclude(pk=job.pk).get()
    assert retried["Location"] == f"/jobs/{again.pk}/" and again.status == "done"
    assert RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True) == v2
    _kept_equals_memory(world)


def test_only_the_district_admin_starts_it_and_only_its_owner_sees_the_job(
    rated: RulebookVersion, settings: Any, client_for: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    for role in ("leader", "street_a"):
        assert client_for(role).post(f"/stars/rulebooks/{rated.pk}/activate/", {}).status_code == 403
    assert not Job.objects.exists()
    client_for("admin").post(f"/stars/rulebooks/{rated.pk}/activate/", {})
    job = Job.objects.get()
    for role in ("leader", "street_a", "street_b"):
        assert client_for(role).get(f"/jobs/{job.pk}/").status_code == 404
    assert client_for("admin").get(f"/jobs/{job.pk}/").status_code == 200


def test_a_job_whose_user_lost_the_right_to_manage_rulebooks_fails_and_changes_nothing(
    rated: RulebookVersion, world: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    settings.WUXING_JOBS_INLINE = False
    monkeypatch.setattr(jobs, "_spawn", lambda pk: None)
    services.activate_version(world.users["admin"], rated)
    Job.objects.filter(pk=rated.job.pk).update(user=world.users["leader"])
    jobs.run(rated.job.pk)
    assert Job.objects.get(pk=rated.job.pk).status == "failed"
    rated.refresh_from_db()
    assert not rated.is_active


def test_saving_a_retune_above_the_threshold_goes_to_the_job(
    rated: RulebookVersion, rulebooks: Any, world: Any, settings: Any, client_for: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    v1 = rulebooks["rural"]
    data = {"activate": "on", "reading": "", "note": ""}
    for star in v1.rulebook.stars:
        data[f"n__{star.code}__min_points"] = str(star.award.min_points)
        for ind in star.indicators:
            for field in ("max_points", "target", "points_each", "min_count"):
                if getattr(ind, field) is not None:
                    data[f"n__{ind.code}__{field}"] = str(getattr(ind, field))
    data["n__cyxw.income__target"] = "15"
    response = client_for("admin").post(f"/stars/rulebooks/{v1.pk}/tune/", data)
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.status == "done"
    new = RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True)
    assert new.based_on_id == v1.pk and "cyxw" in _stars(world)[world.village_b.code]
    _kept_equals_memory(world)


def test_commands_rescore_in_place_whatever_the_size(
    rated: RulebookVersion, world: Any, settings: Any
) -> None:
    settings.WUXING_RESCORE_JOB_SCORES = 0
    services.activate_version(system_user(), rated)  # load_rulebooks, the demo: no user to show a job to
    assert not Job.objects.exists() and rated.is_active
    assert "cyxw" in _stars(world)[world.village_b.code]
