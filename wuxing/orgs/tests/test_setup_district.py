from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from wuxing.orgs.models import Level, OrgUnit


@pytest.mark.django_db
def test_setup_district_creates_the_root_once():
    call_command("setup_district", "--code", "BG", "--name", "北关区")
    root = OrgUnit.objects.get(level=Level.DISTRICT)
    assert (root.code, root.name, root.depth) == ("BG", "北关区", 1)
    assert root.history.get().history_change_reason == "初始化"
    with pytest.raises(CommandError, match="区级组织已存在"):
        call_command("setup_district", "--code", "XX", "--name", "另一个区")
    assert OrgUnit.objects.count() == 1


@pytest.mark.django_db
def test_deleting_an_organisation_with_scores_is_refused_and_changes_nothing(world):
    from django.core.exceptions import ValidationError

    from wuxing.core.management.base import system_user
    from wuxing.orgs import services
    from wuxing.rules import services as rules_services

    rules_services.load_shipped(system_user())
    org = world.community_a
    rules_services.save_scores(system_user(), org, 2023, {"zbgy.records": "是"})
    with pytest.raises(ValidationError, match="业务数据"):
        services.delete_org(system_user(), org, "撤并")
    assert OrgUnit.objects.filter(pk=org.pk).exists()


@pytest.mark.django_db
def test_street_staff_cannot_assign_units_through_the_import(world):
    from wuxing.core.tests.xlsxutil import xlsx_file
    from wuxing.orgs.services import ORG_COLUMNS, import_orgs

    headers = [c.header for c in ORG_COLUMNS]
    row = ["彰北街道", "ZB001", "西漳涧村", "农村", "党支部", 40]
    street_user = world.users["street_a"]
    # blank keeps the district's assignment
    report = import_orgs(street_user, xlsx_file(headers, [[*row, ""]]))
    assert report.ok
    world.village_a.refresh_from_db()
    assert world.village_a.assigned_unit == world.unit
    # another unit is refused, and nothing changes
    report = import_orgs(street_user, xlsx_file(headers, [[*row, "区民政局"]]))
    assert report.messages() == [
        "第2行 第7列（分包区直单位）：分包区直单位由区委组织部分配，请留空或保持原值"
    ]
    world.village_a.refresh_from_db()
    assert world.village_a.assigned_unit == world.unit
    # the district admin may change it
    assert import_orgs(world.users["admin"], xlsx_file(headers, [[*row, "区民政局"]])).ok
    world.village_a.refresh_from_db()
    assert world.village_a.assigned_unit == world.other_unit


@pytest.mark.django_db
def test_reimporting_the_same_organisations_changes_nothing_and_writes_no_history(world):
    from wuxing.core.tests.xlsxutil import xlsx_file
    from wuxing.orgs.services import ORG_COLUMNS, import_orgs

    headers = [c.header for c in ORG_COLUMNS]
    rows = [["彰北街道", "ZB001", "西漳涧村", "农村", "党支部", 40, "区财政局"]]
    admin = world.users["admin"]
    history_before = OrgUnit.history.count()
    report = import_orgs(admin, xlsx_file(headers, rows))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert OrgUnit.history.count() == history_before
    rows[0][5] = 41
    report = import_orgs(admin, xlsx_file(headers, rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert OrgUnit.history.count() == history_before + 1
