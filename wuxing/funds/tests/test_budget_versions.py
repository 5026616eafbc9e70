"""The district budget (by street and item, beside the previous year; the totals by street are the sums
of their lines), approved ledger versions (list, open, Excel/PDF, differences to the next version or to
now), and a year under review: estimated from the year before, labelled, never approved."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from wuxing.core.models import DecisionLog
from wuxing.funds import engine, queries, services
from wuxing.funds.models import HistoricLevel, PayoutLedger

pytestmark = pytest.mark.django_db
YEAR = 2024


def book(response: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def levels(world: Any) -> None:
    HistoricLevel.objects.create(org=world.village_b, year=YEAR, level=3)
    HistoricLevel.objects.create(org=world.village_a, year=YEAR, level=2)
    services.save_parameters(world.users["admin"], YEAR, {"base_allowance": "20000.05"}, "录入基本补贴")


def test_budget_by_street_and_item_equals_the_sum_of_lines(world: Any, levels: Any) -> None:
    admin = world.users["admin"]
    b = queries.budget(admin, YEAR)
    result = queries.entitlements(admin, YEAR)
    assert [(r.code, r.total) for r in b.rows] == [(c, t) for c, _n, t in result.street_totals()]
    for row in b.rows:
        lines = [x for x in result.lines if x.org.street_code == row.code]
        assert row.total == sum(x.amount for x in lines) == sum(row.amounts)
        for i, item in enumerate(engine.ITEMS):
            assert row.amounts[i] == sum((x.amount for x in lines if x.item == item), Decimal("0.00"))
    bz = next(r for r in b.rows if r.code == "BZ")
    # 50,000 + 30,000 + 20,000.05 × 10% = 2,000.005 → 2,000.01 (half up, once per line)
    assert bz.amounts == [
        Decimal("50000.00"),
        Decimal("0"),
        Decimal("30000.00"),
        Decimal("2000.01"),
        Decimal("0"),
    ]
    assert bz.total == Decimal("82000.01")
    assert b.total == sum(r.total for r in b.rows) == result.total == Decimal("252000.01")  # + 50k + 120k
    assert b.totals[0] == Decimal("220000.00")
    # 2023: no approved ledger, computed with the defaults (operating funds only)
    assert b.previous_total == Decimal("220000.00") and "尚无已批准台账" in b.previous_label


def test_budget_compares_with_the_previous_years_approved_ledger(world: Any, levels: Any) -> None:
    admin = world.users["admin"]
    services.save_parameters(admin, YEAR - 1, {"village_operating": "40000"}, "2023年标准")
    ledger = services.approve_ledger(admin, YEAR - 1, "2023年度审定", expected_version=0)
    b = queries.budget(admin, YEAR)
    assert b.previous_label == "2023年度已批准发放台账第1版"
    assert b.previous_total == ledger.total == Decimal("200000.00")
    assert [(r.code, r.previous) for r in b.rows] == [
        ("BZ", Decimal("40000.00")),
        ("ZB", Decimal("160000.00")),
    ]
    street = queries.budget(world.users["street_a"], YEAR)
    assert [(r.code, r.previous) for r in street.rows] == [("ZB", Decimal("160000.00"))]


@pytest.mark.parametrize(
    "role,codes",
    [("street_a", ["ZB"]), ("street_b", ["BZ"]), ("secretary_a", ["ZB"]), ("leader", ["BZ", "ZB"])],
)
def test_streets_see_their_own_budget(
    world: Any, levels: Any, client: Any, role: str, codes: list[str]
) -> None:
    b = queries.budget(world.users[role], YEAR)
    assert [r.code for r in b.rows] == codes
    client.force_login(world.users[role])
    page = client.get(f"/funds/budget/?year={YEAR}").content.decode()
    assert ("柏庄镇" in page) == ("BZ" in codes)
    if role == "secretary_a":  # the secretary's own organisation only: no 阳光社区
        assert b.total == Decimal("50000.00")


def test_budget_page_chart_excel_and_pdf(world: Any, levels: Any, client: Any) -> None:
    client.force_login(world.users["admin"])
    page = client.get(f"/funds/budget/?year={YEAR}").content.decode()
    assert 'data-chart="budget"' in page and 'id="chart-budget"' in page and "252,000.01" in page
    assert "星级来源" in page and "往年导入" in page
    assert "/funds/budget/" in client.get(f"/funds/?year={YEAR}").content.decode()  # reachable from funds
    sheet = book(client.get(f"/funds/budget/?year={YEAR}&format=xlsx"))["预算"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:2] == ("BZ", "柏庄镇") and rows[0][7] == 82000.01
    assert rows[-1][1] == "全区合计" and rows[-1][7] == 252000.01
    assert sum(r[7] for r in rows[:-1]) == pytest.approx(rows[-1][7])
    pdf = client.get(f"/funds/budget/?year={YEAR}&format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    street = client.get(f"/funds/budget/?year={YEAR}&street=nope")
    assert street.status_code == 200 and "无效" in street.content.decode()


def test_ledger_versions_list_open_export_and_differences(world: Any, levels: Any, client: Any) -> None:
    admin = world.users["admin"]
    services.approve_ledger(admin, YEAR, "区委常委会审定", expected_version=0)
    services.save_parameters(admin, YEAR, {"village_operating": "52000"}, "区财政调整", expected_version=1)
    services.approve_ledger(admin, YEAR, "调整后重新审定", expected_version=1)
    services.save_parameters(admin, YEAR, {"community_operating": "125000"}, "再调整", expected_version=2)
    client.force_login(world.users["leader"])
    page = client.get(f"/funds/ledgers/?year={YEAR}").content.decode()
    assert "第 1 版" in page and "第 2 版" in page and "调整后重新审定" in page and "admin" in page
    v1 = client.get(f"/funds/ledgers/{YEAR}/v1/").content.decode()  # by default: against the next version
    assert "第 2 版" in v1 and v1.count("<td>变化</td>") == 2 and "52,000.00" in v1 and "区委常委会审定" in v1
    v2 = client.get(f"/funds/ledgers/{YEAR}/v2/").content.decode()  # the latest: against now
    assert "按现在的参数和记录计算" in v2 and "125,000.00" in v2
    again = client.get(f"/funds/ledgers/{YEAR}/v1/?compare=current").content.decode()
    assert "125,000.00" in again and "52,000.00" in again
    sheets = book(client.get(f"/funds/ledgers/{YEAR}/v1/?format=xlsx"))
    assert [r[0] for r in sheets["差异"].iter_rows(min_row=2, values_only=True)] == ["变化", "变化"]
    assert sum(r[5] for r in sheets["台账"].iter_rows(min_row=2, values_only=True)) == pytest.approx(
        252000.01
    )
    pdf = client.get(f"/funds/ledgers/{YEAR}/v1/?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/funds/ledgers/{YEAR}/v9/").status_code == 404
    # a street opens every version, with its own lines only
    client.force_login(world.users["street_b"])
    v1 = client.get(f"/funds/ledgers/{YEAR}/v1/").content.decode()
    assert "后万金村" in v1 and "西漳涧村" not in v1 and "阳光社区" not in v1
    codes = {
        r[1]
        for r in book(client.get(f"/funds/ledgers/{YEAR}/v1/?format=xlsx"))["台账"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert codes == {"BZ001"}


def test_a_year_under_review_is_estimated_labelled_and_never_approved(
    world: Any, rulebooks: Any, client: Any
) -> None:
    from wuxing.reviews.models import ReviewCycle

    HistoricLevel.objects.create(org=world.village_b, year=YEAR - 1, level=3)
    HistoricLevel.objects.create(org=world.village_a, year=YEAR - 1, level=4)
    ReviewCycle.objects.create(
        year=YEAR, kind="rural", rulebook=rulebooks["rural"], opened_on=dt.date(2024, 12, 1), status="open",
        self_deadline=dt.date(2024, 12, 15), street_deadline=dt.date(2024, 12, 29),
        district_deadline=dt.date(2025, 1, 12),
    )  # fmt: skip
    admin = world.users["admin"]
    result = queries.entitlements(admin, YEAR)
    assert result.provisional and result.sources[YEAR] == {engine.ESTIMATE: 2}
    (reward,) = [x for x in result.lines if x.item == engine.THREE_STAR]
    assert reward.org.code == "BZ001" and "2024年三星（预估（未命名））" in reward.rule
    before = (PayoutLedger.objects.count(), DecisionLog.objects.count())
    with pytest.raises(ValidationError, match="预估"):
        services.approve_ledger(admin, YEAR, "审定", expected_version=0)
    client.force_login(admin)
    response = client.post(
        f"/funds/ledgers/{YEAR}/approve/", {"expected_version": "0", "reason": "审定"}, follow=True
    )
    assert "预估" in response.content.decode()
    assert (PayoutLedger.objects.count(), DecisionLog.objects.count()) == before
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert 'id="provisional"' in page and 'name="expected_version"' not in page
    assert 'id="provisional"' in client.get(f"/funds/budget/?year={YEAR}").content.decode()
    # the previous year itself stays approvable: its stars are official
    services.save_parameters(admin, YEAR - 1, {"base_allowance": "20000"}, "录入基本补贴")
    assert services.approve_ledger(admin, YEAR - 1, "2023年度审定", expected_version=0).version == 1


def test_budget_and_version_pages_keep_their_query_count_as_organisations_grow(
    world: Any, levels: Any, client: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wuxing.core.management.base import system_user
    from wuxing.orgs import services as org_services

    admin = world.users["admin"]
    services.approve_ledger(admin, YEAR, "审定", expected_version=0)
    client.force_login(admin)
    urls = [
        f"/funds/budget/?year={YEAR}",
        f"/funds/ledgers/{YEAR}/v1/?compare=current",
        f"/funds/ledgers/?year={YEAR}",
    ]

    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    for i in range(5):
        org = org_services.create_branch(
            system_user(), world.street_b,
            {"code": f"BZ2{i:02d}", "name": f"测试村{i}", "area_kind": "rural", "branch_type": "branch", "member_count": 10},
        )  # fmt: skip
        HistoricLevel.objects.create(org=org, year=YEAR, level=3)
        HistoricLevel.objects.create(org=org, year=YEAR - 1, level=3)
    services.save_parameters(admin, YEAR, {"village_operating": "51000"}, "调整", expected_version=1)
    services.approve_ledger(admin, YEAR, "再审定", expected_version=1)
    assert counts() == small
