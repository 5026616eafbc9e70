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
