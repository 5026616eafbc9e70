"""No edit of the registry is silently lost, and a race is a Chinese message (never a 500).

The concurrent cases run as real concurrent transactions on PostgreSQL (see core.tests.concurrency).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError

from wuxing.core.locking import EditConflict
from wuxing.orgs import services
from wuxing.orgs.models import OrgUnit, Person, Post, PostRole

# --- optimistic locking: services ----------------------------------------------------------------------------


def test_every_save_counts_the_version_up(world: Any) -> None:
    admin = world.users["admin"]
    assert OrgUnit.objects.get(pk=world.village_a.pk).lock_version == 0
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    services.update_org(admin, org, {"name": "一改"}, expected_version=0)
    services.update_org(admin, org, {"name": "二改"}, expected_version=1)
    assert OrgUnit.objects.get(pk=org.pk).lock_version == 2


def test_a_stale_edit_is_refused_with_who_changed_what(world: Any) -> None:
    admin, street = world.users["admin"], world.users["street_a"]
    first = OrgUnit.objects.get(pk=world.village_a.pk)
    second = OrgUnit.objects.get(pk=world.village_a.pk)  # both editors loaded version 0
    services.update_org(street, first, {"name": "西漳涧新村"}, "改名", expected_version=0)
    with pytest.raises(EditConflict) as caught:
        services.update_org(admin, second, {"member_count": 99}, "人数", expected_version=0)
    message = caught.value.messages[0]
    assert message.startswith("已被他人修改：street_a于")
    assert "名称：西漳涧村 → 西漳涧新村" in message
    stored = OrgUnit.objects.get(pk=world.village_a.pk)
    assert (stored.name, stored.member_count, stored.lock_version) == ("西漳涧新村", 40, 1)
    assert caught.value.current.lock_version == 1  # type: ignore[attr-defined]
    # the loser, having read the other change, saves deliberately on top of it
    fresh = OrgUnit.objects.get(pk=world.village_a.pk)
    services.update_org(admin, fresh, {"member_count": 99}, "人数", expected_version=1)
    stored.refresh_from_db()
    assert (stored.name, stored.member_count) == ("西漳涧新村", 99)


def test_imports_and_commands_without_a_version_still_count_it_up(world: Any) -> None:
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    services.update_org(world.users["admin"], org, {"name": "批量改名"})
    assert OrgUnit.objects.get(pk=org.pk).lock_version == 1
    # a form loaded before the batch change is now stale
    with pytest.raises(EditConflict):
        services.update_org(world.users["admin"], org, {"name": "表单"}, expected_version=0)


def test_person_and_post_edits_are_locked_too(world: Any) -> None:
    admin = world.users["admin"]
    person = Person.objects.get(pk=world.secretary_a.pk)
    person.phone = "13900000009"
    services.save_person(admin, person, expected_version=0)
    stale = Person.objects.get(pk=world.secretary_a.pk)
    stale.name = "旧页面"
    with pytest.raises(EditConflict, match=r"手机号：138\*\*\*\*0001 → 139\*\*\*\*0009"):  # masked
        services.save_person(admin, stale, expected_version=0)
    assert Person.objects.get(pk=person.pk).name == "李建国"

    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    services.end_post(admin, post, dt.date(2024, 1, 1), "换届", expected_version=0)
    stale_post = Post.objects.get(pk=post.pk)
    with pytest.raises(EditConflict):
        services.end_post(admin, stale_post, dt.date(2024, 6, 1), "旧页面", expected_version=0)
    assert Post.objects.get(pk=post.pk).end_date == dt.date(2024, 1, 1)


# --- optimistic locking: pages ---------------------------------------------------------------------------


def edit_data(response: Any, **changes: Any) -> dict[str, Any]:
    """What the browser posts back from an edit page: every field as shown, then the user's changes."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def test_two_people_editing_one_organisation_lose_nothing(client_for: Any, client: Any, world: Any) -> None:
    from django.test import Client

    url = f"/orgs/{world.village_a.pk}/edit/"
    district, street = Client(), client_for("street_a")
    district.force_login(world.users["admin"])
    seen_by_street = edit_data(street.get(url), name="西漳涧新村", reason="改名")
    seen_by_district = edit_data(district.get(url), member_count=77, reason="核对人数")

    assert street.post(url, seen_by_street).status_code == 302
    response = district.post(url, seen_by_district)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已被他人修改" in body and "西漳涧村 → 西漳涧新村" in body
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert (org.name, org.member_count) == ("西漳涧新村", 40)  # the street's change is kept

    # the district's page now carries the current version: saving again is a deliberate choice
    again = dict(seen_by_district, lock_version=response.context["form"].data["lock_version"])
    again["name"] = "西漳涧新村"
    assert district.post(url, again).status_code == 302
    org.refresh_from_db()
    assert (org.name, org.member_count) == ("西漳涧新村", 77)


def test_an_edit_page_without_its_version_is_refused(client_for: Any, world: Any) -> None:
    client = client_for("admin")
    url = f"/orgs/{world.village_a.pk}/edit/"
    data = edit_data(client.get(url), name="无版本号")
    del data["lock_version"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "页面已过期（缺少版本号）" in response.content.decode()
    assert OrgUnit.objects.get(pk=world.village_a.pk).name == "西漳涧村"


def test_ending_a_post_from_a_stale_page_is_refused(client_for: Any, world: Any) -> None:
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    client = client_for("admin")
    url = f"/orgs/{world.village_a.pk}/posts/{post.pk}/end/"
    services.save_post(world.users["street_a"], Post.objects.get(pk=post.pk), "核对")  # someone saved: v1
    response = client.post(url, {"lock_version": "0", "end_date": "2024-01-01"}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert Post.objects.get(pk=post.pk).end_date is None


# --- the database enforces one open secretary term ---------------------------------------------------------


def test_the_database_refuses_a_second_open_secretary(world: Any) -> None:
    other = Person.objects.create(name="赵六", home_org=world.village_a)
    with pytest.raises(IntegrityError):
        Post.objects.create(
            person=other, org=world.village_a, role=PostRole.SECRETARY, start_date=dt.date(2024, 1, 1)
        )
