"""Bounded numbers and dates in the registry: 党员人数 (0–99999) and dates (1900–2100), through the
forms and the Excel import, each refused with a Chinese message and nothing written."""

from __future__ import annotations

import time
from typing import Any

import pytest

from wuxing.core.tests.xlsxutil import xlsx_file
from wuxing.orgs.models import OrgUnit, Person, Post
from wuxing.orgs.services import import_orgs, import_people
from wuxing.orgs.tests.test_authority import branch_post_data
from wuxing.orgs.tests.test_import import ORG_HEADER, PERSON_HEADER, org_snapshot, people_snapshot

pytestmark = pytest.mark.django_db


def org_row(member_count: object) -> list[object]:
    return ["彰北街道", "ZB050", "东漳涧村", "农村", "党支部", member_count, None]


def person_row(birth: object = None, start: object = None, phone: object = None) -> list[object]:
    return ["ZB002", "张红梅", "女", phone, birth, "党组织书记" if start else None, start, None, None]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e300000", "请填写普通数字，不要用科学计数法"),
        ("9" * 2000, "数字过大：最多 5 位整数"),  # the longest cell the Excel reader passes on
        ("100000", "数字过大：最多 5 位整数"),
        (1e300, "数字过大：最多 5 位整数"),
        ("35.5", "“35.5”不是有效的党员人数，应为 0–99999 之间的整数"),
        ("٣٥", "“٣٥”不是有效的党员人数，应为 0–99999 之间的整数"),
    ],
    ids=["exponent", "2000-digits", "100000", "float-1e300", "fraction", "arabic-indic"],
)
def test_import_refuses_a_member_count_out_of_bounds(world: Any, cell: object, message: str) -> None:
    before = org_snapshot()
    start = time.perf_counter()
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, [org_row(cell)]))
    assert time.perf_counter() - start < 2
    assert report.messages() == [f"第2行 第6列（党员人数）：{message}"]
    assert org_snapshot() == before


def test_member_count_boundary_is_99999(world: Any) -> None:
    refused = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, [org_row(100000)]))
    assert refused.messages() == ["第2行 第6列（党员人数）：数字过大：最多 5 位整数"]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, [org_row("99,999")]))
    assert report.errors == []
    assert OrgUnit.objects.get(code="ZB050").member_count == 99999


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("99999999999-1-1", "“99999999999-1-1”的年份应在 1900–2100 之间，请写成 2021-03-15"),
        ("1899-12-31", "“1899-12-31”的年份应在 1900–2100 之间，请写成 2021-03-15"),
        ("2101-01-01", "“2101-01-01”的年份应在 1900–2100 之间，请写成 2021-03-15"),
        ("9" * 1990 + "-1-1", "“" + "9" * 20 + "…”的年份应在 1900–2100 之间，请写成 2021-03-15"),
    ],
    ids=["eleven-digit-year", "1899", "2101", "1990-digit-year"],
)
def test_import_refuses_a_birth_date_out_of_bounds(world: Any, cell: str, message: str) -> None:
    before = people_snapshot()
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, [person_row(birth=cell)]))
    assert report.messages() == [f"第2行 第5列（出生日期）：{message}"]
    assert people_snapshot() == before


def test_years_from_1900_to_2100_are_accepted_and_no_others(world: Any) -> None:
    for birth, start in (("1899-12-31", "2021-01-01"), ("1900-01-01", "2101-01-01")):
        refused = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, [person_row(birth, start)]))
        assert [m.split("：")[0] for m in refused.messages()] in (
            ["第2行 第5列（出生日期）"],
            ["第2行 第7列（任职日期）"],
        )
    rows = [person_row(birth="1900-01-01", start="2100-12-31")]
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, rows))
    assert report.errors == []
    person = Person.objects.get(name="张红梅")
    assert (str(person.birth_date), str(Post.objects.get(person=person).start_date)) == (
        "1900-01-01",
        "2100-12-31",
    )


def test_import_refuses_a_phone_of_other_digits(world: Any) -> None:
    arabic_indic = "١٣٨٠٠٠٠٠٠٠٠"  # 13800000000 in Arabic-Indic digits: isdigit() but not 0–9
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, [person_row(phone=arabic_indic)]))
    assert report.messages() == [f"第2行 第4列（手机号）：“{arabic_indic}”不是有效的 11 位手机号"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e300000", "请填写普通数字，不要用科学计数法"),
        ("9" * 5000, "数字过大：最多 5 位整数"),
        ("100000", "数字过大：最多 5 位整数"),
        ("-1", "应为 0–99999 之间的整数"),
    ],
    ids=["exponent", "5000-digits", "100000", "negative"],
)
def test_branch_form_refuses_a_member_count_out_of_bounds(
    world: Any, client_for: Any, typed: str, message: str
):
    before = org_snapshot()
    response = client_for("admin").post(
        "/orgs/new/", branch_post_data(world, world.street_a, member_count=typed)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert org_snapshot() == before


def test_branch_form_accepts_full_width_and_separators(world: Any, client_for: Any) -> None:
    data = branch_post_data(world, world.street_a, member_count="９９，９９９")
    response = client_for("admin").post("/orgs/new/", data)
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="NEW01").member_count == 99999


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1899-12-31", "年份应在 1900–2100 之间"),
        ("2101-01-01", "年份应在 1900–2100 之间"),
    ],
)
def test_person_form_refuses_a_birth_date_out_of_bounds(
    world: Any, client_for: Any, typed: str, message: str
):
    before = people_snapshot()
    data = {"name": "张三", "gender": "M", "birth_date": typed, "phone": "", "home_org": world.village_a.pk}
    response = client_for("admin").post("/orgs/people/new/", data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert message in response.content.decode()
    assert people_snapshot() == before


def test_ending_a_post_with_a_date_out_of_bounds_is_a_message(world: Any, client_for: Any) -> None:
    post = Post.objects.get(org=world.village_a)
    url = f"/orgs/{world.village_a.pk}/posts/{post.pk}/end/"
    response = client_for("admin").post(url, {"end_date": "99999999999-1-1"}, follow=True)
    assert response.status_code == 200
    assert "年份应在 1900–2100 之间" in response.content.decode()
    post.refresh_from_db()
    assert post.end_date is None
