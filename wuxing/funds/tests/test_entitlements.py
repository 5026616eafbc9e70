"""The year's entitlements from the stored records: imported earlier years, registry posts, named results
with removed stars; the district's parameters; scoping by role; totals; the API, the command, Excel."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.locking import EditConflict
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.funds import engine, queries, services
from wuxing.funds.models import FundParameters, HistoricLevel
from wuxing.orgs import services as org_services
from wuxing.orgs.models import Person, Post, PostRole

pytestmark = pytest.mark.django_db

YEAR = 2024
SALARIES = {"fuke_salary": Decimal("72000.00"), "zhengke_salary": Decimal("84000.00")}


def history(org: Any, levels: dict[int, int], secretary: str = "", **extra: Any) -> None:
    for year, level in levels.items():
        HistoricLevel.objects.create(org=org, year=year, level=level, secretary=secretary, **extra)


def by(result: Any, code: str, item: str) -> list[engine.Line]:
    return [line for line in result.lines if line.org.code == code and line.item == item]


@pytest.fixture
def salaries(world: Any) -> FundParameters:
    return services.save_parameters(world.users["admin"], YEAR, dict(SALARIES), "录入工资标准")


def test_four_stars_three_years_with_the_registry_secretary(world: Any, salaries: Any) -> None:
    history(world.village_a, {2022: 4, 2023: 4, 2024: 4})
    history(world.village_b, {2024: 3})
    result = queries.entitlements(world.users["admin"], YEAR)
    (living,) = by(result, "ZB001", engine.LIVING)
    assert living.amount == Decimal("72000.00")
    assert living.person_name == "李建国" and living.person_id == world.secretary_a.pk
    assert living.rule == (
        "四星 2022–2024 连续3年（往年导入），支部书记 李建国 3年在任，非街道班子成员 → 副科级标准 72,000.00 元"
    )
    assert [line.amount for line in by(result, "BZ001", engine.THREE_STAR)] == [Decimal("30000.00")]
    # no base allowance entered: the uplift of 后万金村's “两委” is refused and said
    assert not by(result, "BZ001", engine.UPLIFT)
    assert any("后万金村" in m and "未计算" in m for m in result.outcome.missing)
    totals = {code: total for code, _name, total in result.street_totals()}
    # 彰北: 50,000 (village) + 120,000 (community) + 72,000; 柏庄: 50,000 + 30,000
    assert totals == {"ZB": Decimal("242000.00"), "BZ": Decimal("80000.00")}
    assert result.total == sum(line.amount for line in result.lines) == Decimal("322000.00")


def test_a_secretary_who_changed_mid_run_is_not_paid(world: Any, salaries: Any) -> None:
    actor = system_user()
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    post.end_date = dt.date(2023, 6, 30)
    org_services.save_post(actor, post)
    newcomer = org_services.save_person(actor, Person(name="赵六", home_org=world.village_a))
    org_services.save_post(
        actor,
        Post(person=newcomer, org=world.village_a, role=PostRole.SECRETARY, start_date=dt.date(2023, 7, 1)),
    )
    history(world.village_a, {2022: 5, 2023: 5, 2024: 5})
    result = queries.entitlements(world.users["admin"], YEAR)
    assert not by(result, "ZB001", engine.LIVING)
    assert any("期间书记有变动" in n for n in result.outcome.notes)


def test_a_secretary_on_the_street_leadership_is_not_paid(world: Any, salaries: Any) -> None:
    Post.objects.filter(org=world.village_a, role=PostRole.SECRETARY).update(on_street_leadership=True)
    history(world.village_a, {2022: 5, 2023: 5, 2024: 5})
    result = queries.entitlements(world.users["admin"], YEAR)
    assert not by(result, "ZB001", engine.LIVING)
    assert any("班子成员" in n for n in result.outcome.notes)


def test_imported_secretary_names_before_the_registry(world: Any, salaries: Any) -> None:
    Post.objects.filter(org=world.village_b, role=PostRole.SECRETARY).update(start_date=dt.date(2024, 1, 1))
    history(world.village_b, {2022: 5, 2023: 5}, secretary="王秀英")
    history(world.village_b, {2024: 5})
    result = queries.entitlements(world.users["admin"], YEAR)
    assert by(result, "BZ001", engine.LIVING)[0].amount == Decimal("84000.00")
    HistoricLevel.objects.filter(org=world.village_b, year=2022).update(secretary="孙七")
    assert not by(queries.entitlements(world.users["admin"], YEAR), "BZ001", engine.LIVING)


def test_a_named_year_wins_over_an_import_and_a_removed_star_breaks_the_run(
    world: Any, salaries: Any, rulebooks: Any
) -> None:
    from django.core.files.base import ContentFile

    from wuxing.reviews.models import NamedResult, ReviewCycle, StarRemoval

    history(world.village_a, {2022: 4, 2023: 4, 2024: 2})  # 2024's import is ignored: 2024 is named
    history(world.village_b, {2024: 5})
    cycle = ReviewCycle.objects.create(
        year=YEAR, kind="rural", rulebook=rulebooks["rural"], opened_on=dt.date(2024, 12, 1), status="named",
        self_deadline=dt.date(2024, 12, 15), street_deadline=dt.date(2024, 12, 29),
        district_deadline=dt.date(2025, 1, 12),
    )  # fmt: skip
    named = {}
    for org, level, stars in (
        (world.village_a, 4, ["zbgy", "cyxw", "stjy", "xfhx"]),
        (world.village_b, 3, ["zbgy", "cyxw", "stjy"]),
    ):
        named[org.pk] = NamedResult.objects.create(
            org=org, year=YEAR, kind="rural", cycle=cycle, rulebook=rulebooks["rural"], level=level,
            stars=stars, points={}, named_at=dt.datetime(2025, 1, 20, tzinfo=dt.UTC),
        )  # fmt: skip
    admin = world.users["admin"]
    result = queries.entitlements(admin, YEAR)
    (living,) = by(result, "ZB001", engine.LIVING)
    assert "往年导入、命名结果" in living.rule and living.source == "named"
    (reward,) = by(result, "BZ001", engine.THREE_STAR)
    assert "2024年三星（命名结果）" in reward.rule  # the named level, not the imported five
    removal = StarRemoval(
        result=named[world.village_a.pk], star_code="xfhx", removed_on=dt.date(2025, 3, 1), reason="测试摘星",
        evidence_name="通报.pdf",
    )  # fmt: skip
    removal.evidence.save("通报.pdf", ContentFile(b"%PDF-1.4 notice"), save=False)
    removal.save()
    result = queries.entitlements(admin, YEAR)
    assert not by(result, "ZB001", engine.LIVING)  # 4 - 1 = 3 stars in 2024: the run is broken
    assert any("西漳涧村：2024年三星" in n for n in result.outcome.notes)
    assert by(result, "ZB001", engine.THREE_STAR)  # and 2024 is now a three-star year


@pytest.mark.parametrize(
    ("user", "codes"),
    [("admin", {"ZB001", "ZB002", "BZ001"}), ("leader", {"ZB001", "ZB002", "BZ001"}),
     ("street_a", {"ZB001", "ZB002"}), ("secretary_a", {"ZB001"}), ("unit", {"ZB001"})],
)  # fmt: skip
def test_each_role_sees_the_lines_of_its_scope(world: Any, bearer: Any, user: str, codes: set[str]) -> None:
    history(world.village_b, {2024: 3})
    assert {line.org.code for line in queries.entitlements(world.users[user], YEAR).lines} == codes
    api = bearer(user).get(f"/api/v1/entitlements?year={YEAR}&page_size=100").json()
    assert {row["org_code"] for row in api["items"]} == codes


def test_api_fields_and_filters(world: Any, bearer: Any) -> None:
    history(world.village_b, {2024: 3})
    got = bearer("admin").get(f"/api/v1/entitlements?year={YEAR}&street=BZ&item=three_star_reward").json()
    assert got["count"] == 1
    (row,) = got["items"]
    assert row == {
        "org_code": "BZ001", "org_name": "后万金村", "street_code": "BZ", "person": None,
        "item": "three_star_reward", "amount": "30000.00", "source": "import",
        "rule": "2024年三星（往年导入），适用星级 三星 → 支部奖励 30,000.00 元",
    }  # fmt: skip
    operating = bearer("admin").get(f"/api/v1/entitlements?year={YEAR}&item=operating").json()
    assert [(r["org_code"], r["amount"]) for r in operating["items"]] == [
        ("BZ001", "50000.00"),
        ("ZB001", "50000.00"),
        ("ZB002", "120000.00"),
    ]
    assert bearer("street_a").get(f"/api/v1/entitlements?year={YEAR}&street=BZ").status_code == 404
    assert bearer("admin").get("/api/v1/entitlements?year=1800").status_code == 422


def test_command_jsonl_and_xlsx(world: Any, tmp_path: Any) -> None:
    history(world.village_b, {2024: 3})
    out = io.StringIO()
    call_command("entitlements", "--year", str(YEAR), "--street", "BZ", "--format", "jsonl", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["item"], r["amount"]) for r in rows] == [
        ("operating", "50000.00"),
        ("three_star_reward", "30000.00"),
    ]
    path = tmp_path / "台账.xlsx"
    call_command(
        "entitlements", "--year", str(YEAR), "--format", "xlsx", "--output", str(path), stderr=io.StringIO()
    )
    book = openpyxl.load_workbook(path)
    amounts = [row[5] for row in book["台账"].iter_rows(min_row=2, values_only=True)]
    totals = {row[0]: row[2] for row in book["街道合计"].iter_rows(min_row=2, values_only=True)}
    assert sum(Decimal(str(a)) for a in amounts) == Decimal(str(totals[None])) == Decimal("250000")
    assert Decimal(str(totals["BZ"])) == Decimal("80000")


def test_page_with_filters_and_export(world: Any, client: Any) -> None:
    history(world.village_b, {2024: 3})
    client.force_login(world.users["street_b"])
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert "后万金村" in page and "西漳涧村" not in page
    assert "默认（非官方）" in page and "往年导入 1 个组织" in page
    reward_only = client.get(f"/funds/?year={YEAR}&item=three_star_reward").content.decode()
    assert "支部奖励 30,000.00 元" in reward_only and "运转经费（2024年度参数）" not in reward_only
    export = client.get(f"/funds/?year={YEAR}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert [row[3] for row in book["台账"].iter_rows(min_row=2, values_only=True)] == [
        "运转经费",
        "三星支部奖励",
    ]


def test_pdf_ledger(world: Any, client: Any) -> None:
    history(world.village_b, {2024: 3})
    client.force_login(world.users["admin"])
    response = client.get(f"/funds/?year={YEAR}&format=pdf")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "三星支部奖励" in text and "30,000.00" in text and "250,000.00" in text


def test_query_count_does_not_grow_with_organisations(world: Any, salaries: Any) -> None:
    admin = world.users["admin"]

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.entitlements(admin, YEAR)
        return len(ctx.captured_queries)

    history(world.village_a, {2022: 4, 2023: 4, 2024: 4})
    small = count()
    actor = system_user()
    for i in range(6):
        org = org_services.create_branch(
            actor, world.street_b,
            {"code": f"BZ1{i:02d}", "name": f"测试村{i}", "area_kind": "rural", "branch_type": "branch", "member_count": 10},
        )  # fmt: skip
        person = org_services.save_person(actor, Person(name=f"书记{i}", home_org=org))
        org_services.save_post(
            actor, Post(person=person, org=org, role=PostRole.SECRETARY, start_date=dt.date(2020, 1, 1))
        )
        history(org, {2022: 4, 2023: 5, 2024: 4})
    assert len(by(queries.entitlements(admin, YEAR), "BZ100", engine.LIVING)) == 1
    assert count() == small


# --- parameters ---------------------------------------------------------------------------------------------


def test_defaults_until_the_district_saves_them(world: Any) -> None:
    row, saved = queries.parameters_for(2030)
    assert not saved
    assert (row.village_operating, row.community_operating) == (Decimal("50000.00"), Decimal("120000.00"))
    assert (row.subsidy_rate, row.subsidy_min_level, row.three_star_reward) == (
        Decimal("0.7000"),
        4,
        Decimal("30000.00"),
    )
    assert row.zhengke_salary is None and row.fuke_salary is None


def state() -> Any:
    return (
        list(FundParameters.objects.values_list("year", "lock_version", "fuke_salary", "village_operating")),
        FundParameters.history.count(),
        DecisionLog.objects.count(),
    )


def test_only_the_district_changes_parameters_with_reason_and_history(world: Any, client: Any) -> None:
    before = state()
    for role in ("street_a", "secretary_a", "leader", "unit"):
        with pytest.raises(PermissionDenied):
            services.save_parameters(world.users[role], YEAR, dict(SALARIES), "越权")
        client.force_login(world.users[role])
        assert (
            client.post(f"/funds/parameters/{YEAR}/", {"reason": "越权", "fuke_salary": "1"}).status_code
            == 403
        )
    assert state() == before
    admin = world.users["admin"]
    row = services.save_parameters(admin, YEAR, {"village_operating": "55000"}, "区财政调整")
    assert row.village_operating == Decimal("55000.00")
    record = row.history.latest()
    assert (record.history_user, record.history_change_reason) == (admin, "区财政调整")
    assert DecisionLog.objects.filter(action="funds.parameters", comment="区财政调整").exists()
    with pytest.raises(EditConflict):  # somebody saved since the unsaved defaults (version 0) were shown
        services.save_parameters(admin, YEAR, {"village_operating": "60000"}, "再改", expected_version=0)
    assert FundParameters.objects.get(year=YEAR).village_operating == Decimal("55000.00")


def test_parameter_page_flags_open_readings_and_saves(world: Any, client: Any) -> None:
    from wuxing.funds.forms import ParametersForm

    client.force_login(world.users["admin"])
    page = client.get(f"/funds/parameters/{YEAR}/").content.decode()
    # five open readings at their default, and the explanation of the flag while nothing is saved
    assert page.count("默认（非官方）") == 6 and "未录入" in page
    data = {
        k: str(v)
        for k, v in ParametersForm.initial_from(queries.parameters_for(YEAR)[0]).items()
        if v is not None
    }
    data.update(three_star_levels="3,4，5", subsidy_rate="75", reason="集体研究", lock_version="0")
    assert client.post(f"/funds/parameters/{YEAR}/", data).status_code == 302
    row = FundParameters.objects.get(year=YEAR)
    assert (row.three_star_levels, row.subsidy_rate) == ("3,4,5", Decimal("0.7500"))
    page = client.get(f"/funds/parameters/{YEAR}/").content.decode()
    assert page.count("默认（非官方）") == 4 and "集体研究" in page
    bad = client.post(f"/funds/parameters/{YEAR}/", {**data, "three_star_levels": "6", "lock_version": "1"})
    assert "不是 1–5 的星级" in bad.content.decode()
    assert FundParameters.objects.get(year=YEAR).lock_version == 1
    stale = client.post(f"/funds/parameters/{YEAR}/", {**data, "reason": "旧页面", "lock_version": "0"})
    assert "已被他人修改" in stale.content.decode()
    assert FundParameters.objects.get(year=YEAR).three_star_levels == "3,4,5"
