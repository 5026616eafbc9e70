"""bulk_set: many rows per UPDATE, the same result as saving each object's fields."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.bulk import bulk_set
from wuxing.orgs.models import DispatchedUnit, OrgUnit


def test_writes_the_named_fields_of_every_object_and_nothing_else(world: Any) -> None:
    orgs = list(OrgUnit.objects.branches().order_by("code"))  # BZ001 (U02), ZB001 (U01), ZB002 (none)
    orgs[0].member_count, orgs[0].assigned_unit = 7, None
    orgs[1].member_count, orgs[1].assigned_unit = 0, world.other_unit
    orgs[2].member_count, orgs[2].assigned_unit = 2_000_000_000, world.unit
    for org in orgs:
        org.name = "不写入"  # not among the fields: stays as stored
    bulk_set(orgs, ["member_count", "assigned_unit"])
    got = {o.code: (o.member_count, o.assigned_unit_id, o.name) for o in OrgUnit.objects.branches()}
    assert got == {
        "BZ001": (7, None, "后万金村"),
        "ZB001": (0, world.other_unit.pk, "西漳涧村"),
        "ZB002": (2_000_000_000, world.unit.pk, "阳光社区"),
    }


def test_text_is_written_as_typed(world: Any) -> None:
    awkward = ["它's “引号” 100%", "%s", "'; DELETE FROM orgs_dispatchedunit; --", "", "２０２４-01-31"]
    units = [DispatchedUnit.objects.create(code=f"T{i}", name=f"单位{i}") for i in range(len(awkward))]
    for unit, text in zip(units, awkward, strict=True):
        unit.contact = text
    bulk_set(units, ["contact"])
    assert [DispatchedUnit.objects.get(pk=u.pk).contact for u in units] == awkward
    assert DispatchedUnit.objects.count() == 2 + len(awkward)


def test_many_rows_go_in_few_statements(world: Any) -> None:
    units = [DispatchedUnit(code=f"B{i:04d}", name=f"批量单位{i}") for i in range(1200)]
    DispatchedUnit.objects.bulk_create(units)
    units = list(DispatchedUnit.objects.filter(code__startswith="B"))
    for unit in units:
        unit.phone = f"0372-{unit.code}"
    with CaptureQueriesContext(connection) as ctx:
        bulk_set(units, ["phone"], batch_size=500)
    assert len(ctx) == 3
    assert all(u.phone == f"0372-{u.code}" for u in DispatchedUnit.objects.filter(code__startswith="B"))


def test_nothing_to_write(db: Any) -> None:
    with CaptureQueriesContext(connection) as ctx:
        bulk_set([], ["name"])
    assert len(ctx) == 0
