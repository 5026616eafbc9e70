"""Phone numbers are masked by default everywhere; every full view is logged for the district admin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from wuxing.core.models import PersonalDataView
from wuxing.core.privacy import mask
from wuxing.orgs import services
from wuxing.orgs.models import Person

FULL = "13800000001"  # the world's secretary of village A, 李建国
MASKED = "138****0001"


@pytest.mark.parametrize(
    "value, masked",
    [
        ("", ""),
        (None, ""),
        ("1234", "****"),
        ("12345", "***45"),
        ("3912345", "*****45"),  # a 7-digit landline
        ("0372391234", "********34"),  # 10 characters: still the short rule
        ("13812345678", "138****5678"),  # 11: a mobile number keeps its first 3 and last 4
        ("037123912345", "037*****2345"),
    ],
)
def test_mask_at_its_boundaries(value: str | None, masked: str) -> None:
    assert mask(value) == masked


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "leader", "street_a", "secretary_a", "unit"])
def test_the_person_page_shows_the_number_masked(client_for: Any, world: Any, role: str) -> None:
    page = client_for(role).get(f"/orgs/people/{world.secretary_a.pk}/").content.decode()
    assert MASKED in page and FULL not in page and "显示完整号码" in page
    assert not PersonalDataView.objects.exists()


@pytest.mark.django_db
def test_showing_the_full_number_is_logged(client_for: Any, world: Any) -> None:
    page = client_for("unit").post(f"/orgs/people/{world.secretary_a.pk}/reveal/").content.decode()
    assert FULL in page and "本次查看已记录" in page
    (view,) = PersonalDataView.objects.all()
    assert (view.actor, view.actor_role, view.what, view.subject) == (
        world.users["unit"],
        "unit",
        "手机号",
        "李建国",
    )
    assert view.where == f"/orgs/people/{world.secretary_a.pk}/reveal/"


@pytest.mark.django_db
def test_a_person_out_of_scope_stays_missing_and_nothing_is_logged(client_for: Any, world: Any) -> None:
    other = Person.objects.get(name="王秀英")  # street B's secretary
    assert client_for("street_a").post(f"/orgs/people/{other.pk}/reveal/").status_code == 404
    assert not PersonalDataView.objects.exists()


@pytest.mark.django_db
def test_the_edit_form_shows_the_number_and_logs_it(client_for: Any, world: Any) -> None:
    page = client_for("street_a").get(f"/orgs/people/{world.secretary_a.pk}/edit/").content.decode()
    assert FULL in page
    assert PersonalDataView.objects.get().actor == world.users["street_a"]


@pytest.mark.django_db
def test_the_change_history_masks_old_and_new_numbers(client_for: Any, world: Any) -> None:
    person = world.secretary_a
    person.phone = "13900000002"
    services.save_person(world.users["admin"], person, "换号", expected_version=person.lock_version)
    page = client_for("admin").get(f"/orgs/people/{person.pk}/").content.decode()
    assert "138****0001" in page and "139****0002" in page
    assert FULL not in page and "13900000002" not in page


@pytest.mark.django_db
def test_the_people_export_is_masked_unless_a_registry_role_asks_and_is_logged(client_for: Any) -> None:
    admin = client_for("admin")
    rows = xlsx_rows(admin.get("/orgs/people/?format=xlsx"))
    phones = {r[3]: r[5] for r in rows[1:]}
    assert phones["李建国"] == MASKED
    assert not PersonalDataView.objects.exists()
    rows = xlsx_rows(admin.get("/orgs/people/?format=xlsx&full=1"))
    assert {r[3]: r[5] for r in rows[1:]}["李建国"] == FULL
    view = PersonalDataView.objects.get()
    assert (view.what, view.count, view.subject) == ("手机号（导出）", len(rows) - 1, "")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "secretary_a", "unit"])
def test_roles_that_do_not_keep_the_registry_never_export_full_numbers(client_for: Any, role: str) -> None:
    rows = xlsx_rows(client_for(role).get("/orgs/people/?format=xlsx&full=1"))
    assert FULL not in {r[5] for r in rows[1:]}
    assert not PersonalDataView.objects.exists()


@pytest.mark.django_db
def test_the_district_admin_reads_the_log(client_for: Any, world: Any) -> None:
    client_for("street_a").post(f"/orgs/people/{world.secretary_a.pk}/reveal/")
    admin = client_for("admin")
    page = admin.get("/privacy/log/").content.decode()
    assert "街道/镇工作人员" in page and "李建国" in page
    assert "李建国" not in admin.get("/privacy/log/?q=王秀英").content.decode()
    assert "暂无记录" in admin.get("/privacy/log/?from=2099-01-01").content.decode()
    assert "起始日期" in admin.get("/privacy/log/?from=2023-02-30").content.decode()
    rows = xlsx_rows(admin.get("/privacy/log/?format=xlsx"))
    assert rows[0][:5] == ("时间", "查看人", "角色", "内容", "对象") and rows[1][1] == "street_a"
    assert client_for("street_a").get("/privacy/log/").status_code == 403
