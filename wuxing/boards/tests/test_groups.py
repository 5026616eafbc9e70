"""一星一专班: the per-star summary counts holders, gains and losses against the year before and open
tasks; the page, its PDF and its Excel; only the district keeps the groups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from wuxing.boards import groups, services
from wuxing.boards.models import WorkingGroup
from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import STJY_FULL, YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(world, rulebooks):
    actor = system_user()
    rule_services.clone_to_year(actor, rulebooks["rural"], YEAR - 1, "测试")
    rule_services.save_scores(actor, world.village_b, YEAR - 1, STJY_FULL)  # held, then lost
    rule_services.save_scores(actor, world.village_a, YEAR, STJY_FULL)  # gained
    services.create_task(
        actor,
        world.village_b,
        year=YEAR,
        title="改善人居环境",
        deadline=dt.date(YEAR, 1, 31),
        star_code="stjy",
    )


def test_summary_counts_holders_gains_losses_and_open_tasks(world, two_years):
    lines = {x.code: x for x in groups.summary(world.users["admin"], YEAR, dt.date(YEAR, 6, 1))}
    stjy = lines["stjy"]
    assert (stjy.held, stjy.held_before, stjy.gained, stjy.lost) == (1, 1, 1, 1)
    assert (stjy.open_tasks, stjy.overdue_tasks) == (1, 1)
    street = {x.code: x for x in groups.summary(world.users["street_a"], YEAR, dt.date(YEAR, 6, 1))}["stjy"]
    assert (street.held, street.lost, street.open_tasks) == (1, 0, 0)  # street B's are not counted


def test_the_page_pdf_and_excel(world, two_years, client_for):
    groups.save_group(system_user(), "stjy", leader="王书记", members="组织部")
    client = client_for("leader")
    body = client.get(f"/boards/groups/?year={YEAR}").content.decode()
    assert "王书记" in body and "生态宜居星" in body
    pdf = client.get(f"/boards/groups/?year={YEAR}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rows = read_rows(client.get(f"/boards/groups/?year={YEAR}&format=xlsx").getvalue())
    stjy = next(r for r in rows if r[0] == "生态宜居星")
    assert stjy[1] == "王书记" and stjy[3:7] == [1, 1, 1, 1]


@pytest.mark.parametrize("who", ["street_a", "secretary_a", "leader", "unit"])
def test_only_the_district_keeps_the_groups(world, who):
    with pytest.raises(PermissionDenied):
        groups.save_group(world.users[who], "zbgy", leader="x")
    assert not WorkingGroup.objects.exists()


def test_a_group_is_changed_not_duplicated(world):
    first = groups.save_group(system_user(), "zbgy", leader="甲")
    groups.save_group(system_user(), "zbgy", leader="乙", expected_version=first.lock_version)
    assert list(WorkingGroup.objects.values_list("leader", flat=True)) == ["乙"]
