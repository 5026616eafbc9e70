"""Kept ratings (docs/decisions.md §24): after any sequence of writes the kept table says what a fresh
`queries.rate` says; a page of the ratings list or the API decides only the page's organisations; the
pages fall back to rating in memory when the table cannot be written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuxing.core.management.base import system_user
from wuxing.orgs import services as org_services
from wuxing.orgs.models import OrgUnit
from wuxing.rules import engine, kept, queries, services
from wuxing.rules.models import Rating, VetoEvent
from wuxing.rules.tests.helpers import (
    COMMUNITY_SOME,
    CYXW_AT_18,
    CYXW_FULL,
    RURAL_FULL,
    STJY_FULL,
    YEAR,
    ZBGY_FULL,
)
from wuxing.rules.tests.test_pages import text_of

pytestmark = pytest.mark.django_db

VALUE_SETS = [RURAL_FULL, CYXW_AT_18, STJY_FULL, {**ZBGY_FULL, **CYXW_FULL}, COMMUNITY_SOME, {}]
VETOES = ["pafz.petition", "zbgy.cadre_crime"]


def kept_state(year: int = YEAR) -> dict[int, tuple[int, int, int]]:
    assert kept.refresh_scope(system_user(), year)  # the whole district: the registry-stamp fast path
    return {r.org_id: (r.level, r.stars, r.total_cents) for r in kept.kept_ratings(system_user(), year)}


def fresh_state(year: int = YEAR) -> dict[int, tuple[int, int, int]]:
    out = {}
    for row in queries.rate(system_user(), year):
        book = row.rulebook.rulebook
        mask = sum(1 << i for i, s in enumerate(book.stars) if s.code in row.result.stars)
        cents = sum(int(p * 100) for p in row.result.points.values())
        out[row.org_id] = (row.level, mask, cents)
    return out


def _values_for(org: OrgUnit, values: dict[str, Any]) -> dict[str, Any]:
    """The set's values that the organisation's active rulebook knows, and a blank for the others that
    it has (so a set can also clear what an earlier one stored)."""
    rb = services.active_rulebook(YEAR, org.area_kind)
    assert rb is not None
    codes = {i.code for _s, i in rb.rulebook.iter_indicators()}
    return {code: values.get(code, "") for code in codes if code in values or code in RURAL_FULL}


Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["save", "veto", "revoke", "read", "kind", "tune"]),
        st.integers(0, 2),
        st.integers(0, len(VALUE_SETS) - 1),
    ),
    max_size=8,
)


def _apply(actor: Any, pk: int, op: str, arg: int) -> None:
    org = OrgUnit.objects.get(pk=pk)
    if op == "save":
        services.save_scores(actor, org, YEAR, _values_for(org, VALUE_SETS[arg]))
    elif op == "veto":
        services.record_veto(actor, org, YEAR, VETOES[arg % 2], dt.date(YEAR, 6, 1), "测试")
    elif op == "revoke":
        event = VetoEvent.objects.filter(org=org, revoked_at__isnull=True).first()
        if event is not None:
            services.revoke_veto(actor, event, "核实有误")
    elif op == "kind":
        other = "community" if org.area_kind == "rural" else "rural"
        org_services.update_org(actor, org, {"area_kind": other}, "类型调整")
    elif op == "tune":
        rb = services.active_rulebook(YEAR, "rural")
        assert rb is not None
        services.create_version(actor, rb.content.replace("min_points: 80", f"min_points: {60 + 5 * arg}", 1))
    else:
        kept_state()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_the_kept_table_equals_a_fresh_rating_after_any_writes(world, rulebooks, ops: list[Step]):
    actor = system_user()
    orgs = [world.village_a, world.village_b, world.community_a]
    with transaction.atomic():
        for op, which, arg in ops:
            try:
                with transaction.atomic():  # a refused write writes nothing
                    _apply(actor, orgs[which].pk, op, arg)
            except ValidationError:
                pass
        assert kept_state() == fresh_state()
        transaction.set_rollback(True)


def test_a_write_marks_the_row_stale_and_the_next_read_decides_it_again(world, rulebooks, save):
    save(world.village_a, RURAL_FULL)
    assert kept_state()[world.village_a.pk][0] == 5
    row = Rating.objects.get(org=world.village_a, year=YEAR)
    assert row.fresh
    save(world.village_a, {"cyxw.income": "18"})
    row.refresh_from_db()
    assert not row.fresh and row.generation == 1
    assert kept_state()[world.village_a.pk][0] < 5
    assert kept_state() == fresh_state()


@pytest.mark.parametrize(
    "writes",
    [
        [("veto", 0, 0)],
        [("veto", 0, 1), ("read", 0, 0), ("revoke", 0, 0)],
        [("tune", 0, 3)],
        [("kind", 0, 0)],
        [("save", 0, 1)],
    ],
)
def test_every_writer_makes_the_next_read_decide_again(world, rulebooks, save, writes):
    save(world.village_a, RURAL_FULL)
    kept_state()
    for op, _which, arg in writes:
        _apply(system_user(), world.village_a.pk, op, arg)
    row = Rating.objects.get(org=world.village_a, year=YEAR)
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert not row.fresh or row.rulebook != services.active_rulebook(YEAR, org.area_kind)
    assert kept_state() == fresh_state()


def test_a_result_decided_before_a_write_is_not_stored_over_it(world, rulebooks, save, monkeypatch):
    """The race: a reader reads the data, a writer commits, the reader stores. The generation the reader
    read no longer holds, so its (old) result is not kept and the next read decides again."""
    save(world.village_a, RURAL_FULL)
    kept_state()
    save(world.village_a, {"cyxw.income": "18"})  # stale now, generation 1
    real = engine.rate_totals

    def writer_commits_meanwhile(*args: Any, **kwargs: Any) -> Any:
        results = real(*args, **kwargs)
        save(world.village_a, {"cyxw.income": "25"})  # generation 2, after the reader read the values
        return results

    monkeypatch.setattr(engine, "rate_totals", writer_commits_meanwhile)
    branches = OrgUnit.objects.filter(pk=world.village_a.pk)
    assert kept.refresh(branches, YEAR)
    row = Rating.objects.get(org=world.village_a, year=YEAR)
    assert not row.fresh and row.generation == 2
    monkeypatch.setattr(engine, "rate_totals", real)
    assert kept_state()[world.village_a.pk][0] == 5


def _more_orgs(world: Any, count: int) -> None:
    actor = system_user()
    for i in range(count):
        org = org_services.create_branch(
            actor,
            world.street_a if i % 2 else world.street_b,
            {"code": f"K{i:03d}", "name": f"规模村{i:03d}", "area_kind": "rural", "branch_type": "branch"},
        )
        services.save_scores(actor, org, YEAR, STJY_FULL if i % 3 else RURAL_FULL)


def _page_cost(client: Any, url: str, monkeypatch: Any) -> tuple[int, int]:
    """(queries, organisations decided by the engine) of one warm request."""
    assert client.get(url).status_code == 200  # warms the kept table
    decided = []
    real = engine.rate_totals

    def counting(book: Any, totals: Any, *args: Any, **kwargs: Any) -> Any:
        decided.append(len(totals))
        return real(book, totals, *args, **kwargs)

    monkeypatch.setattr(engine, "rate_totals", counting)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    monkeypatch.setattr(engine, "rate_totals", real)
    assert response.status_code == 200
    return len(ctx), sum(decided)


@pytest.mark.parametrize(
    "url",
    [f"/api/v1/ratings?year={YEAR}&page_size=5&page=2", f"/stars/ratings/?year={YEAR}&sort=level&page=1"],
)
def test_a_page_costs_the_same_whatever_the_number_of_organisations(
    world, rulebooks, client_for, monkeypatch, url
):
    client = client_for("admin")
    _more_orgs(world, 8)
    small = _page_cost(client, url, monkeypatch)
    _more_orgs_offset = 8
    actor = system_user()
    for i in range(_more_orgs_offset, _more_orgs_offset + 60):
        org = org_services.create_branch(
            actor,
            world.street_b,
            {"code": f"K{i:03d}", "name": f"规模村{i:03d}", "area_kind": "rural", "branch_type": "branch"},
        )
        services.save_scores(actor, org, YEAR, STJY_FULL)
    large = _page_cost(client, url, monkeypatch)
    assert small[0] == large[0]
    page_size = 5 if "api" in url else 50
    assert large[1] <= page_size < 60  # only the page's organisations are decided
    assert small[1] <= page_size


def test_api_pages_read_every_organisation_once_in_order(world, rulebooks, client_for, save):
    _more_orgs(world, 7)
    client = client_for("admin")
    seen: list[str] = []
    page = 1
    while True:
        body = client.get(f"/api/v1/ratings?year={YEAR}&page_size=3&page={page}").json()
        if not body["items"]:
            break
        seen.extend(item["org_code"] for item in body["items"])
        page += 1
    everything = [r.org_code for r in queries.rate(system_user(), YEAR)]
    assert seen == everything and body["count"] == len(everything)
    fives = client.get(f"/api/v1/ratings?year={YEAR}&level=5&page_size=100").json()
    assert fives["count"] == sum(1 for r in queries.rate(system_user(), YEAR) if r.level == 5) > 0
    assert {i["level"] for i in fives["items"]} == {5}


def test_the_ratings_page_pages_and_each_filter_works_without_a_year(world, rulebooks, client_for, save):
    _more_orgs(world, 60)
    save(world.village_b, CYXW_AT_18)
    client = client_for("admin")
    first = text_of(client.get("/stars/ratings/"))
    assert "共 63 个组织，显示第 1–50 个" in first and "第 1 / 2 页" in first
    second = text_of(client.get("/stars/ratings/?page=2"))
    assert "显示第 51–63 个" in second and "第 2 / 2 页" in second
    # no year: the current rating year, and the other filter still applies
    street = text_of(client.get(f"/stars/ratings/?street={world.street_b.pk}"))
    assert "2023年星级评定 · 柏庄镇" in street and "共 31 个组织" in street
    community = text_of(client.get("/stars/ratings/?kind=community"))
    assert "共 1 个组织" in community and "筛选条件无效" not in community
    fives = sum(1 for r in queries.rate(system_user(), YEAR) if r.level == 5)
    assert 0 < fives < 63
    five = text_of(client.get("/stars/ratings/?level=5"))
    assert f"共 {fives} 个组织" in five and "后万金村" not in five
    # an invalid filter is dropped on its own, the valid one still applies
    mixed = text_of(client.get(f"/stars/ratings/?street={world.street_b.pk}&level=9"))
    assert "筛选条件无效" in mixed and "共 31 个组织" in mixed


def test_earned_and_missing_stars_look_different(world, rulebooks, client_for, save):
    save(world.village_a, RURAL_FULL)
    save(world.village_b, {**RURAL_FULL, "cyxw.income": "18"})
    client = client_for("admin")
    levels = {r.org_id: r.level for r in queries.rate(system_user(), YEAR)}
    assert levels[world.village_a.pk] == 5 and levels[world.village_b.pk] < 5
    for org in (world.village_a, world.village_b):
        level = levels[org.pk]
        html = client.get(f"/stars/ratings/?year={YEAR}&q={org.code}").content.decode()
        assert html.count('class="badge star-earned"') == level
        assert html.count('class="badge star-missing"') == 5 - level


def _without_token(content: bytes) -> bytes:
    return re.sub(rb"[A-Za-z0-9]{64}", b"", content)  # the page's CSRF token


def test_without_a_writable_table_the_pages_rate_in_memory(world, rulebooks, client_for, save, monkeypatch):
    _more_orgs(world, 7)
    save(world.village_b, CYXW_AT_18)
    client = client_for("admin")
    urls = [
        f"/stars/ratings/?year={YEAR}&sort=level&page=1",
        f"/stars/ratings/?year={YEAR}&level=5",
        f"/api/v1/ratings?year={YEAR}&page_size=4&page=2",
    ]
    from_table = [_without_token(client.get(u).content) for u in urls]

    def busy(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("database is locked")

    Rating.objects.all().delete()
    monkeypatch.setattr(kept, "_write_back", busy)
    in_memory = [_without_token(client.get(u).content) for u in urls]
    assert not Rating.objects.filter(fresh=True).exists()
    for a, b in zip(in_memory, from_table, strict=True):
        assert a.decode() == b.decode()


@pytest.mark.parametrize("sort", ["street", "level", "-level", "name", "total"])
def test_rows_in_batches_are_the_rows_rated_at_once(world, rulebooks, save, sort):
    _more_orgs(world, 9)
    save(world.village_b, CYXW_AT_18)
    user = system_user()
    at_once = list(kept.iter_rows(user, YEAR, sort=sort, batch=10_000))
    in_threes = list(kept.iter_rows(user, YEAR, sort=sort, batch=3))
    expected = sorted(queries.rate(user, YEAR), key=kept.PYTHON_ORDERS[sort])
    key = [(r.org_id, r.level, r.gaps) for r in expected]
    assert [(r.org_id, r.level, r.gaps) for r in at_once] == key
    assert [(r.org_id, r.level, r.gaps) for r in in_threes] == key


@pytest.mark.parametrize("who, code", [("street_a", "AA"), ("village_a", "ZZ999"), ("village_b", "AB001")])
def test_the_kept_order_follows_a_changed_code(world, rulebooks, client_for, who, code):
    _more_orgs(world, 4)
    client = client_for("admin")
    url = f"/api/v1/ratings?year={YEAR}&page_size=100"
    assert [i["org_code"] for i in client.get(url).json()["items"]] == [
        r.org_code for r in queries.rate(system_user(), YEAR)
    ]
    org = OrgUnit.objects.get(pk=getattr(world, who).pk)
    org_services.update_org(system_user(), org, {"code": code}, "编码调整")
    after = [i["org_code"] for i in client.get(url).json()["items"]]
    assert after == [r.org_code for r in queries.rate(system_user(), YEAR)]
    assert (code in after) or who.startswith("street")


def test_the_whole_district_reads_only_stale_rows_until_an_organisation_changes(world, rulebooks, save):
    """The registry stamp (a trigger on the organisation table) lets a whole-district read skip the
    checking pass; any change to an organisation, however written, makes the next read check again."""
    from wuxing.rules.models import RatingCheck, RegistryStamp

    save(world.village_a, RURAL_FULL)
    user = system_user()
    assert kept.refresh_scope(user, YEAR)
    stamp = RegistryStamp.objects.get(pk=1).n
    assert RatingCheck.objects.get(year=YEAR).stamp == stamp
    with CaptureQueriesContext(connection) as ctx:
        assert kept.refresh_scope(user, YEAR)
    assert not any("LEFT OUTER JOIN" in q["sql"] for q in ctx.captured_queries)  # no checking pass
    # an organisation recoded behind the services' back (raw SQL): the trigger counts it
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orgs_orgunit SET code = 'ZZ900' WHERE id = %s", [world.village_a.pk])
    assert RegistryStamp.objects.get(pk=1).n > stamp
    assert kept.refresh_scope(user, YEAR)
    assert Rating.objects.get(org=world.village_a, year=YEAR).org_code == "ZZ900"
    # a value saved: only the stale row is decided again, without the checking pass
    save(world.village_a, {"cyxw.income": "18"})
    with CaptureQueriesContext(connection) as ctx:
        assert kept.refresh_scope(user, YEAR)
    assert Rating.objects.get(org=world.village_a, year=YEAR).fresh
    assert kept_state() == fresh_state()
