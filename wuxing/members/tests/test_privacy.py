"""Identity numbers are masked on pages, in exports, the API and the command; a full view is for the
secretary, the street and the district only, and each one is logged for the district admin to read."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from wuxing.core.models import PersonalDataView
from wuxing.core.privacy import is_personal
from wuxing.members import idcard
from wuxing.members.tests.helpers import new_applicant, walk

pytestmark = pytest.mark.django_db

PASSWORDS = {
    "admin": "pw-admin-1",
    "leader": "pw-leader-1",
    "street_a": "pw-street-1",
    "secretary_a": "pw-sec-1",
    "unit": "pw-unit-1",
}


def client(role: str) -> Client:
    from wuxing.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=role))
    return c


@pytest.fixture
def person(world: Any) -> Any:
    a = new_applicant(world.users["admin"], world.village_a, born=dt.date(1996, 7, 14))
    walk(world.users["admin"], a, dt.date(2021, 3, 1), 3)
    return a


def test_the_identity_number_is_declared_personal() -> None:
    assert is_personal("members.applicant", "id_number")
    assert is_personal("members.applicant", "birth_date")


@pytest.mark.parametrize("role", list(PASSWORDS))
def test_pages_show_the_number_masked(world: Any, person: Any, role: str) -> None:
    c = client(role)
    for url in ("/members/", f"/members/{person.pk}/"):
        body = c.get(url).content.decode()
        assert person.id_number not in body
        assert idcard.mask_id(person.id_number) in body
    assert PersonalDataView.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "may"),
    [("admin", True), ("street_a", True), ("secretary_a", True), ("leader", False), ("unit", False)],
)
def test_a_full_view_is_allowed_to_some_and_always_logged(
    world: Any, person: Any, role: str, may: bool
) -> None:
    response = client(role).post(f"/members/{person.pk}/reveal/")
    if may:
        assert response.status_code == 200 and person.id_number in response.content.decode()
        view = PersonalDataView.objects.get()
        assert (
            view.actor == world.users[role] and view.what == "身份证号" and view.object_id == str(person.pk)
        )
    else:
        assert response.status_code == 403
        assert PersonalDataView.objects.count() == 0


def test_the_district_reads_the_log(world: Any, person: Any) -> None:
    client("secretary_a").post(f"/members/{person.pk}/reveal/")
    assert "身份证号" in client("admin").get("/privacy/log/").content.decode()
    assert client("street_a").get("/privacy/log/").status_code == 403


def _cells(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ["admin", "street_a", "secretary_a", "leader"])
def test_exports_are_masked(world: Any, person: Any, role: str) -> None:
    cells = _cells(
        _body(
            client(role).get("/members/?format=xlsx&full=1" if role != "admin" else "/members/?format=xlsx")
        )
    )
    assert idcard.mask_id(person.id_number) in cells
    assert person.id_number not in cells
    assert PersonalDataView.objects.count() == 0


def test_the_districts_full_export_is_logged(world: Any, person: Any) -> None:
    cells = _cells(_body(client("admin").get("/members/?format=xlsx&full=1")))
    assert person.id_number in cells
    view = PersonalDataView.objects.get()
    assert view.count == 1 and view.what == "身份证号"


def test_the_api_and_the_command_mask(world: Any, person: Any, bearer: Any) -> None:
    for role in ("admin", "secretary_a"):
        listed = bearer(role).get("/api/v1/members").json()
        assert [p["id_number"] for p in listed] == [idcard.mask_id(person.id_number)]
        one = bearer(role).get(f"/api/v1/members/{person.pk}").json()
        assert one["id_number"] == idcard.mask_id(person.id_number)
        assert person.id_number not in json.dumps(one)
    out = io.StringIO()
    call_command("members", "register", "--format", "json", stdout=out)
    assert person.id_number not in out.getvalue() and idcard.mask_id(person.id_number) in out.getvalue()
    assert PersonalDataView.objects.count() == 0


def test_the_change_history_masks_the_number(world: Any, person: Any) -> None:
    from wuxing.core.history import display_value

    record = person.history.first()
    assert display_value(record, "id_number") != person.id_number
    assert person.id_number[6:14] not in display_value(record, "id_number")
