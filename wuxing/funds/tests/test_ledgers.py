"""An approved ledger is a version: changing a parameter afterwards shows the differences line by line and
gives a new version on approval, never a silent overwrite."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.core.models import DecisionLog
from wuxing.funds import queries, services
from wuxing.funds.models import HistoricLevel, PayoutLedger

pytestmark = pytest.mark.django_db
YEAR = 2024


@pytest.fixture
def approved(world: Any) -> PayoutLedger:
    HistoricLevel.objects.create(org=world.village_b, year=YEAR, level=3)
    services.save_parameters(world.users["admin"], YEAR, {"base_allowance": "20000"}, "录入基本补贴")
    return services.approve_ledger(world.users["admin"], YEAR, "区委常委会审定", expected_version=0)


def test_approve_then_a_parameter_change_shows_the_differences_and_a_new_version(
    world: Any, approved: Any, client: Any
) -> None:
    admin = world.users["admin"]
    assert (approved.version, approved.total) == (
        1,
        Decimal("252000.00"),
    )  # 50k × 2 + 120k + 30k + 20k × 10% (王秀英)
    assert len(approved.lines) == 5
    services.save_parameters(admin, YEAR, {"village_operating": "52000"}, "区财政调整", expected_version=1)
    diffs = queries.differences(admin, approved, queries.entitlements(admin, YEAR))
    assert [(d.kind, d.org, d.before, d.after) for d in diffs] == [
        ("变化", "后万金村", Decimal("50000.00"), Decimal("52000.00")),
        ("变化", "西漳涧村", Decimal("50000.00"), Decimal("52000.00")),
    ]
    # the street sees its own differences only
    street = world.users["street_a"]
    assert [d.org for d in queries.differences(street, approved, queries.entitlements(street, YEAR))] == [
        "西漳涧村"
    ]
    client.force_login(admin)
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert "已批准发放台账第 1 版" in page and "50,000.00" in page and "52,000.00" in page
    export = client.get(f"/funds/?year={YEAR}&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert [r[:3] for r in book["与已批准版本的差异"].iter_rows(min_row=2, values_only=True)] == [
        ("变化", "后万金村", "运转经费"),
        ("变化", "西漳涧村", "运转经费"),
    ]
    with pytest.raises(ValidationError, match="已被他人修改"):  # the page showed no version: stale
        services.approve_ledger(admin, YEAR, "再批", expected_version=0)
    second = services.approve_ledger(admin, YEAR, "调整运转经费后重新审定", expected_version=1)
    assert second.version == 2 and second.total == Decimal("256000.00")
    assert PayoutLedger.objects.get(version=1).total == Decimal("252000.00")  # never overwritten
    with pytest.raises(ValidationError, match="与第2版相同"):
        services.approve_ledger(admin, YEAR, "再批", expected_version=2)
    assert DecisionLog.objects.filter(action="funds.ledger_approve").count() == 2


@pytest.mark.parametrize("role", ["street_a", "secretary_a", "leader", "unit"])
def test_only_the_district_approves_and_a_refusal_changes_nothing(
    world: Any, approved: Any, client: Any, role: str
) -> None:
    services.save_parameters(
        world.users["admin"], YEAR, {"village_operating": "52000"}, "调整", expected_version=1
    )
    before = (PayoutLedger.objects.count(), DecisionLog.objects.count())
    with pytest.raises(PermissionDenied):
        services.approve_ledger(world.users[role], YEAR, "越权", expected_version=1)
    client.force_login(world.users[role])
    response = client.post(f"/funds/ledgers/{YEAR}/approve/", {"expected_version": "1", "reason": "越权"})
    assert response.status_code == 403
    assert (PayoutLedger.objects.count(), DecisionLog.objects.count()) == before


def test_missing_parameters_refuse_approval(world: Any) -> None:
    HistoricLevel.objects.create(org=world.village_b, year=YEAR, level=3)  # uplift without base allowance
    with pytest.raises(ValidationError, match="缺少参数"):
        services.approve_ledger(world.users["admin"], YEAR, "审定", expected_version=0)
    assert not PayoutLedger.objects.exists()
