"""Rankings, the policy over real months, observation events, decisions and authority on the services."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.competition import queries, services
from wuxing.competition.models import CaseKind, CaseState, PolicyCase
from wuxing.competition.tests.conftest import YEAR, db_state, put_month

pytestmark = pytest.mark.django_db


def test_monthly_ranking_district_and_street_places(world: Any, branches: dict[str, Any]) -> None:
    put_month(branches, 1, {"ZB001": "90", "ZB002": "85", "ZB003": "85", "ZB004": "70", "ZB005": "60",
                            "BZ001": "95", "BZ002": "85", "BZ003": "50"})  # fmt: skip
    (ranking,) = queries.monthly_rankings(world.users["admin"], YEAR)
    assert [(r.org.code, r.rank, r.street_rank) for r in ranking.rows] == [
        ("BZ001", 1, 1), ("ZB001", 2, 1), ("BZ002", 3, 2), ("ZB002", 3, 2), ("ZB003", 3, 2),
        ("ZB004", 4, 3), ("ZB005", 5, 4), ("BZ003", 6, 3),
    ]  # fmt: skip
    assert ranking.ranked == 8
    assert [(s.code, s.rank, s.mean) for s in ranking.streets] == [
        ("ZB", 1, D("78.00")),
        ("BZ", 2, D("76.67")),
    ]


def test_a_street_sees_its_rows_with_district_places_and_its_own_street_place(
    world: Any, branches: dict[str, Any]
) -> None:
    put_month(branches, 1, {"ZB001": "90", "ZB004": "70", "BZ001": "95", "BZ003": "50"})
    (ranking,) = queries.monthly_rankings(world.users["street_a"], YEAR)
    assert {r.org.street_code for r in ranking.rows} == {"ZB"}
    assert [(r.org.code, r.rank, r.of) for r in ranking.rows] == [("ZB001", 2, 4), ("ZB004", 3, 4)]
    assert [(s.code, s.rank, s.of) for s in ranking.streets] == [("ZB", 1, 2)]  # 80 vs 72.5
    (mine,) = queries.monthly_rankings(world.users["secretary_a"], YEAR)
    assert [(r.org.code, r.rank) for r in mine.rows] == [("ZB001", 2)]


def test_the_policy_at_k_minus_one_k_and_k_plus_one_months(world: Any, branches: dict[str, Any]) -> None:
    admin = world.users["admin"]
    services.save_parameters(admin, YEAR, {"policy_k": 3}, "三个月")
    for month in (1, 2):
        put_month(branches, month, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    assert services.apply_policy(admin, YEAR) == []  # K−1
    put_month(branches, 3, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    (warning,) = services.apply_policy(admin, YEAR)  # K
    assert (warning.org.code, warning.kind, warning.period, warning.periods, warning.state) == (
        "ZB004",
        CaseKind.WARNING,
        3,
        [1, 2, 3],
        CaseState.NOTED,
    )
    assert services.apply_policy(admin, YEAR) == []  # idempotent
    put_month(branches, 4, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    (proposal,) = services.apply_policy(admin, YEAR)  # K+1
    assert (proposal.kind, proposal.state, proposal.level, proposal.proposed_level) == (
        CaseKind.PROPOSAL,
        CaseState.OPEN,
        3,
        2,
    )
    put_month(branches, 5, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    assert services.apply_policy(admin, YEAR) == []  # K+2: the open proposal stands
    assert PolicyCase.objects.count() == 2


def test_the_district_decides_a_proposal_and_nothing_else_does(world: Any, branches: dict[str, Any]) -> None:
    admin = world.users["admin"]
    for month in (1, 2, 3):
        put_month(branches, month, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    services.apply_policy(admin, YEAR)
    proposal = PolicyCase.objects.get(kind=CaseKind.PROPOSAL)
    before = db_state()
    for role in ("street_a", "leader", "secretary_a"):
        with pytest.raises(PermissionDenied):
            services.decide_case(world.users[role], proposal, True, "同意")
    with pytest.raises(ValidationError):
        services.decide_case(admin, proposal, True, " ")
    assert db_state() == before
    services.decide_case(admin, proposal, True, "区委组织部研究同意", expected_version=proposal.lock_version)
    proposal.refresh_from_db()
    assert proposal.state == CaseState.CONFIRMED and proposal.decided_by == admin
    # the confirmed downgrade takes ZB004 (3 → 2 stars) out of the year's evaluation
    assert "ZB004" not in {info.code for info, _l, _s in queries.eligible(admin, YEAR)}
    with pytest.raises(ValidationError):
        services.decide_case(admin, proposal, False, "再议")


def _event(world: Any, branches: dict[str, Any], observers: list[str]) -> Any:
    return services.create_event(
        world.users["street_a"], title="解放路式观摩", held_on=dt.date(YEAR, 2, 21), organiser=world.street_a,
        orgs=[branches["ZB001"], branches["ZB003"]], observers=observers,
    )  # fmt: skip


def test_observation_scores_aggregate_and_enter_the_quarter(world: Any, branches: dict[str, Any]) -> None:
    observers = ["甲", "乙", "丙", "丁", "戊"]
    event = _event(world, branches, observers)
    scores = {
        (n, branches["ZB001"].pk): s for n, s in zip(observers, ["90", "91", "89", "10", "100"], strict=True)
    }
    scores.update({(n, branches["ZB003"].pk): "80" for n in observers[:2]})
    assert services.save_observation_scores(world.users["street_a"], event, scores) == 7
    means = queries.observation_means([event], 5)[event.pk]
    assert means[branches["ZB001"].pk] == (D("90.00"), 3, 5)
    assert means[branches["ZB003"].pk] == (D("80.00"), 2, 2)
    put_month(branches, 1, {"ZB001": "70", "ZB003": "90"})
    put_month(branches, 2, {"ZB001": "80"})
    ranking = queries.quarter_ranking(world.users["admin"], YEAR, 1)
    by_code = {r.org.code: r for r in ranking.rows}
    assert by_code["ZB001"].score == D("81.00")  # 0.6 × 75 + 0.4 × 90
    assert by_code["ZB003"].score == D("86.00")  # 0.6 × 90 + 0.4 × 80
    assert [r.org.code for r in ranking.rows] == ["ZB003", "ZB001"]


def test_a_street_organises_only_its_own_tours(world: Any, branches: dict[str, Any]) -> None:
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.create_event(world.users["street_a"], title="x", held_on=dt.date(YEAR, 3, 1),
                              organiser=world.street_b, orgs=[branches["BZ001"]], observers=["甲"])  # fmt: skip
    with pytest.raises(ValidationError):
        services.create_event(world.users["street_a"], title="x", held_on=dt.date(YEAR, 3, 1),
                              organiser=world.street_a, orgs=[branches["BZ001"]], observers=["甲"])  # fmt: skip
    event = _event(world, branches, ["甲"])
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.save_observation_scores(world.users["street_b"], event, {("甲", branches["ZB001"].pk): "90"})
    with pytest.raises(ValidationError):
        services.save_observation_scores(
            world.users["street_a"], event, {("甲", branches["ZB001"].pk): "101"}
        )
    assert db_state() == before


def _monthly_file(rows: list[list[Any]], year: int = YEAR) -> io.BytesIO:
    from wuxing.core.excel import Sheet, build_workbook

    checklist = queries.checklist_for(year)
    columns = services.monthly_columns(checklist)
    return io.BytesIO(build_workbook([Sheet(services.MONTHLY_SHEET, columns, rows)]))


def test_monthly_import_all_or_nothing_and_scoped(world: Any, branches: dict[str, Any]) -> None:
    good = ["ZB001", "", 1, "街道考评组", 25, 15, 20, 18, 15]
    report = services.import_monthly(world.users["street_a"], _monthly_file([good]), YEAR)
    assert report.ok, report.messages()
    score = branches["ZB001"].monthly_scores.get(month=1)
    assert score.total == D("93.00") and score.items["dbrw"] == "20.00"
    before = db_state()
    bad = [["ZB003", "", 1, "", 25, 15, 20, 18, 15], ["BZ001", "", 1, "", 25, 15, 20, 18, 15],
           ["ZB004", "", 13, "", 26, 15, 20, 18, 15]]  # fmt: skip
    report = services.import_monthly(world.users["street_a"], _monthly_file(bad), YEAR)
    assert not report.ok and db_state() == before
    text = "\n".join(report.messages())
    assert "第3行" in text and "无权" in text and "第4行" in text and "月份" in text
    with pytest.raises(PermissionDenied):
        services.import_monthly(world.users["secretary_a"], _monthly_file([good]), YEAR)
    assert db_state() == before


def test_weak_branch_turn_around(world: Any, branches: dict[str, Any]) -> None:
    from wuxing.competition.models import WeakState

    row = services.designate_weak(
        world.users["street_a"], branches["ZB004"], YEAR, dt.date(YEAR, 3, 1), "班子不团结"
    )
    before = db_state()
    with pytest.raises(ValidationError):  # cannot skip 整顿中
        services.update_weak(world.users["street_a"], row, state=WeakState.TURNED, plan="", comment="转化")
    with pytest.raises(PermissionDenied):
        services.update_weak(world.users["street_b"], row, state=WeakState.RECTIFYING, plan="", comment="x")
    assert db_state() == before
    services.update_weak(
        world.users["street_a"], row, state=WeakState.RECTIFYING, plan="调整班子", comment="开始整顿"
    )
    services.update_weak(world.users["street_a"], row, state=WeakState.TURNED, plan="", comment="验收合格",
                         on=dt.date(YEAR, 9, 1))  # fmt: skip
    row.refresh_from_db()
    assert (row.state, row.turned_on, row.plan) == (WeakState.TURNED, dt.date(YEAR, 9, 1), "调整班子")


def test_parameters_need_the_district_and_a_reason(world: Any) -> None:
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.save_parameters(world.users["street_a"], YEAR, {"policy_k": 3}, "改")
    with pytest.raises(ValidationError):
        services.save_parameters(world.users["admin"], YEAR, {"policy_k": 3}, "")
    with pytest.raises(ValidationError):
        services.save_parameters(
            world.users["admin"], YEAR, {"monthly_weight": D(0), "observation_weight": D(0)}, "零"
        )
    assert db_state() == before
    row = services.save_parameters(world.users["admin"], YEAR, {"policy_k": 3}, "改为三期")
    assert row.policy_k == 3 and row.min_level == 3


def test_checklist_items_must_add_up_to_100() -> None:
    assert services.parse_items("a|组织生活|60\nb|服务|40")[1] == {"code": "b", "name": "服务", "points": 40}
    for text in ("a|x|60\nb|y|30", "a|x|60\na|y|40", "a|x", "a|x|abc\nb|y|100", "a|x|100.55"):
        with pytest.raises(ValidationError):
            services.parse_items(text)


def test_the_policy_on_quarterly_rankings_and_percent_band(world: Any, branches: dict[str, Any]) -> None:
    admin = world.users["admin"]
    services.save_parameters(
        admin, YEAR, {"policy_basis": "quarter", "policy_mode": "bottom_percent", "policy_n": 10, "policy_k": 1},
        "按季度、最后 10%",
    )  # fmt: skip
    put_month(branches, 1, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    (warning,) = services.apply_policy(admin, YEAR)  # ceil(3 × 10 %) = 1 place, K = 1: a warning in Q1
    assert (warning.org.code, warning.basis, warning.period) == ("ZB004", "quarter", 1)
    put_month(branches, 4, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    (proposal,) = services.apply_policy(admin, YEAR)
    assert (proposal.kind, proposal.period, proposal.periods) == (CaseKind.PROPOSAL, 2, [1, 2])


def test_the_rankings_api_is_scoped(world: Any, branches: dict[str, Any], bearer: Any) -> None:
    put_month(branches, 1, {"ZB001": "90", "ZB004": "70", "BZ001": "95"})
    rows = bearer("street_a").get("/api/v1/competition/rankings?year=2023").json()["items"]
    assert [(r["org_code"], r["rank"], r["of"]) for r in rows] == [("ZB001", 2, 3), ("ZB004", 3, 3)]
    rows = bearer("admin").get("/api/v1/competition/rankings?year=2023&month=1").json()["items"]
    assert [r["org_code"] for r in rows] == ["BZ001", "ZB001", "ZB004"]


def test_the_rankings_api_pages_across_months(world: Any, branches: dict[str, Any], bearer: Any) -> None:
    put_month(branches, 1, {"ZB001": "90", "ZB004": "70", "BZ001": "95"})
    put_month(branches, 2, {"ZB001": "60", "ZB004": "70"})
    put_month(branches, 3, {"ZB001": "80", "ZB004": "80", "BZ001": "75", "BZ002": "99"})
    client = bearer("admin")
    whole = client.get("/api/v1/competition/rankings?year=2023&page_size=100").json()
    assert whole["count"] == 9
    assert [(r["month"], r["org_code"], r["rank"]) for r in whole["items"]] == [
        (1, "BZ001", 1), (1, "ZB001", 2), (1, "ZB004", 3), (2, "ZB004", 1), (2, "ZB001", 2),
        (3, "BZ002", 1), (3, "ZB001", 2), (3, "ZB004", 2), (3, "BZ001", 3),
    ]  # fmt: skip
    pages = [
        client.get(f"/api/v1/competition/rankings?year=2023&page_size=4&page={n}").json()
        for n in (1, 2, 3, 4)
    ]
    assert [p["count"] for p in pages] == [9, 9, 9, 9]
    assert [r for p in pages for r in p["items"]] == whole["items"]
    assert pages[3]["items"] == []


def test_rankings_narrowed_to_some_organisations_keep_their_places(
    world: Any, branches: dict[str, Any]
) -> None:
    put_month(branches, 1, {"ZB001": "90", "ZB004": "70", "BZ001": "95"})
    (whole,) = queries.monthly_rankings(world.users["admin"], YEAR)
    (some,) = queries.monthly_rankings(world.users["admin"], YEAR, only=[branches["ZB004"].pk])
    assert [(r.org.code, r.rank, r.of, r.street_rank) for r in some.rows] == [("ZB004", 3, 3, 2)]
    assert [r for r in whole.rows if r.org.code == "ZB004"] == list(some.rows)
    (street,) = queries.monthly_rankings(world.users["street_a"], YEAR, only=[branches["BZ001"].pk])
    assert list(street.rows) == []  # never another street's row, whatever is asked
