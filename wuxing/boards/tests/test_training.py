"""学习培训: the compliance rule at its boundary (exactly the required number of central trainings), what
counts (only central trainings of that year), the attendance import (all-or-nothing) and who may write."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.boards import training
from wuxing.boards.models import Attendance
from wuxing.boards.training import ATTENDANCE_COLUMNS, ATTENDANCE_SHEET
from wuxing.core.excel import Sheet, build_workbook
from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import upload
from wuxing.orgs.models import Person

pytestmark = pytest.mark.django_db


def session(day: dt.date, kind: str = "central") -> Any:
    return training.create_session(system_user(), topic="培训", kind=kind, held_on=day)


def attend(world: Any, *sessions: Any) -> None:
    person = Person.objects.get(pk=world.secretary_a.pk)
    for s in sessions:
        training.add_attendance(system_user(), s, [(person, world.village_a)])


def line_of(world: Any, year: int) -> Any:
    lines = training.compliance(world.users["admin"], year, required=2)
    return next(x for x in lines if x.org_code == world.village_a.code)


@pytest.mark.parametrize(("central", "short"), [(1, True), (2, False), (3, False)])
def test_two_central_trainings_a_year_at_the_boundary(world, central, short):
    days = [dt.date(2024, m, 10) for m in (3, 6, 9)][:central]
    attend(world, *[session(d) for d in days])
    line = line_of(world, 2024)
    assert (line.attended, line.short) == (central, short)


def test_only_central_trainings_of_that_year_count(world):
    attend(
        world,
        session(dt.date(2024, 3, 10)),
        session(dt.date(2024, 5, 10), kind="tour"),  # a study tour is not a central training
        session(dt.date(2024, 6, 10), kind="online"),
        session(dt.date(2023, 12, 31)),  # the year before
        session(dt.date(2025, 1, 1)),  # the year after
    )
    assert line_of(world, 2024).attended == 1
    assert line_of(world, 2024).short


def test_a_secretary_sees_only_her_own_line(world):
    lines = training.compliance(world.users["secretary_a"], 2024)
    assert [x.org_code for x in lines] == [world.village_a.code]


def test_the_required_number_is_a_setting(world, settings):
    settings.WUXING_CENTRAL_TRAININGS_PER_YEAR = 1
    attend(world, session(dt.date(2024, 3, 10)))
    line = next(
        x for x in training.compliance(world.users["admin"], 2024) if x.org_code == world.village_a.code
    )
    assert (line.required, line.short) == (1, False)


def sheet(*rows: list[str]) -> Any:
    return upload(build_workbook([Sheet(ATTENDANCE_SHEET, ATTENDANCE_COLUMNS, rows)]))


def test_attendance_import_is_all_or_nothing(world):
    s = session(dt.date(2024, 3, 10))
    name = world.secretary_a.name
    report = training.import_attendance(
        system_user(), s, sheet([world.village_a.code, name], ["ZB001", "无此人"])
    )
    assert not report.ok
    assert any("第3行 第2列（姓名）" in m for m in report.messages())
    assert Attendance.objects.filter(session=s).count() == 0
    report = training.import_attendance(
        system_user(), s, sheet([world.village_a.code, name], [world.village_a.code, name])
    )
    assert report.ok and report.created == 1 and report.unchanged == 1
    again = training.import_attendance(system_user(), s, sheet([world.village_a.code, name]))
    assert (again.created, again.unchanged) == (0, 1)
    assert Attendance.objects.filter(session=s).count() == 1


@pytest.mark.parametrize("who", ["street_a", "secretary_a", "leader", "unit"])
def test_only_the_district_records_training(world, who):
    s = session(dt.date(2024, 3, 10))
    with pytest.raises(PermissionDenied):
        training.create_session(world.users[who], topic="x", kind="central", held_on=dt.date(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        training.import_attendance(world.users[who], s, sheet([world.village_a.code, world.secretary_a.name]))
    assert Attendance.objects.count() == 0


def test_compliance_report_query_count_does_not_grow(world, client_for):
    from wuxing.orgs import services as org_services
    from wuxing.orgs.models import Post, PostRole

    client = client_for("admin")
    url = "/boards/trainings/compliance/?year=2024"
    client.get(url)

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            org = org_services.create_branch(
                system_user(),
                world.street_a,
                {
                    "code": f"ZB8{i:02d}",
                    "name": f"培训村{i}",
                    "area_kind": "rural",
                    "branch_type": "branch",
                    "member_count": 1,
                },
            )
            person = Person.objects.create(name=f"书记{i}", home_org=org)
            Post.objects.create(
                person=person, org=org, role=PostRole.SECRETARY, start_date=dt.date(2020, 1, 1)
            )

    def measure(u: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u).status_code == 200
        return len(ctx)

    add(0, 3)
    few = (measure(url), measure(url + "&format=xlsx"))
    add(3, 25)
    many = (measure(url), measure(url + "&format=xlsx"))
    assert few == many
    assert "培训村27" in client.get(url).content.decode()


@pytest.mark.parametrize("central", [0, 1, 2, 3])
def test_the_first_page_count_agrees_with_the_report(world, central):
    attend(world, *[session(dt.date(2024, m, 10)) for m in (3, 6, 9)][:central])
    for who in ("admin", "street_a"):
        lines = training.compliance(world.users[who], 2024, required=2)
        assert training.short_count(world.users[who], 2024, required=2) == sum(x.short for x in lines)
