"""The review pages, the API and the command: the flow as each role, the reviewer's change shown as
"填报 85 → 初评 80：理由", the second reviewer told of the first one's action, the export, the counts."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.core.workdays import today
from wuxing.orgs import services as org_services
from wuxing.reviews.models import Assessment, ReviewCycle, Stage
from wuxing.reviews.tests.conftest import db_state
from wuxing.rules import services as rule_services

pytestmark = pytest.mark.django_db


def login(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def version(a: Assessment) -> int:
    return Assessment.objects.get(pk=a.pk).lock_version


def test_the_flow_through_the_pages(cycle: Any, world: Any) -> None:
    a = cycle.assessments.get(org=world.village_a)
    secretary, street, admin = (login(world, r) for r in ("secretary_a", "street_a", "admin"))
    url = f"/reviews/assessments/{a.pk}/"
    page = secretary.get(url).content.decode()
    assert "2023 年度" in page and "实时评定（尚未命名）" in page and "自评中" in page
    assert f"/stars/orgs/{world.village_a.pk}/scores/?year=2023" in page  # values through the score form
    rule_services.save_scores(world.users["secretary_a"], world.village_a, 2023, {"cyxw.income": "85"})
    assert secretary.post(url, {"target_level": "4", "lock_version": version(a)}).status_code == 302
    response = secretary.post(f"{url}submit/", {"comment_text": "", "lock_version": version(a)})
    assert response.status_code == 302
    # the secretary can no longer change values through the score form
    form = secretary.post(
        f"/stars/orgs/{world.village_a.pk}/scores/?year=2023", {"v_cyxw.income": "90", "o_cyxw.income": "85"}
    )
    assert "已提交，待街道退回后才能修改" in form.content.decode()
    # the street changes a value with a reason and forwards
    response = street.post(
        f"{url}value/",
        {"indicator": "cyxw.income", "value": "80", "shown": "85", "reason": "台账只能证明80万元"},
    )
    assert response.status_code == 302
    assert "填报 85 → 初评 80：台账只能证明80万元" in street.get(url).content.decode()
    assert street.post(f"{url}forward/", {"lock_version": version(a)}).status_code == 302
    # the district approves all forwarded in bulk and names (the other village first, by the service)
    b = cycle.assessments.get(org=world.village_b)
    Assessment.objects.filter(pk=b.pk).update(state=Stage.STREET_REVIEWED)
    assert admin.post(f"/reviews/{cycle.pk}/approve/", {"scope": "all"}).status_code == 302
    response = admin.post(f"/reviews/{cycle.pk}/notice/start/", {"start": "2024-01-15", "comment": "公示"})
    assert response.status_code == 302
    notice = street.get(f"/reviews/{cycle.pk}/notice/").content.decode()
    assert "2024-01-15" in notice and "2024-01-19" in notice and "西漳涧村" in notice
    pdf = street.get(f"/reviews/{cycle.pk}/notice/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.getvalue().startswith(b"%PDF")
    assert admin.post(f"/reviews/{cycle.pk}/name/", {"comment": "公示无异议"}).status_code == 302
    page = admin.get(f"/reviews/{cycle.pk}/").content.decode()
    assert "命名结果（正式记录）" in page
    history = secretary.get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    assert "命名结果（正式记录）" in history and "2023" in history
    assert "自评中 → 已提交，待街道初评" in history and "改值 85 → 80" in history  # the decision log
    log = secretary.get(url).content.decode()
    for text in ("自评中 → 已提交，待街道初评", "改值 85 → 80", "区级已审核，待命名 → 已命名"):
        assert text in log


def test_a_stale_page_is_told_who_acted_and_nothing_changes(cycle: Any, world: Any) -> None:
    a = cycle.assessments.get(org=world.village_a)
    Assessment.objects.filter(pk=a.pk).update(state=Stage.SUBMITTED, target_level=3)
    seen = version(a)
    street, admin = login(world, "street_a"), login(world, "admin")
    assert (
        street.post(
            f"/reviews/assessments/{a.pk}/return/", {"comment_text": "缺佐证", "lock_version": seen}
        ).status_code
        == 302
    )
    before = db_state()
    page = admin.post(f"/reviews/assessments/{a.pk}/forward/", {"lock_version": seen})
    assert page.status_code == 200
    text = page.content.decode()
    assert "已被他人修改" in text and "street_a" in text and "缺佐证" in text
    assert db_state() == before
    # a page without its version is refused too
    page = admin.post(f"/reviews/assessments/{a.pk}/forward/", {})
    assert "页面已过期" in page.content.decode()
    assert db_state() == before


def test_a_refusal_is_shown_when_the_page_no_longer_offers_its_form(cycle: Any, world: Any) -> None:
    """A second click on "提交" (the page it came from showed the draft) or a target level saved from a
    stale page: once submitted, the secretary's forms are no longer on the page, so the refusal is shown
    as a message at the top instead of on a form that is not there."""
    a = cycle.assessments.get(org=world.village_a)
    Assessment.objects.filter(pk=a.pk).update(target_level=3)
    seen = version(a)
    secretary = login(world, "secretary_a")
    url = f"/reviews/assessments/{a.pk}/"
    assert secretary.post(f"{url}submit/", {"comment_text": "", "lock_version": seen}).status_code == 302
    secretary.get(url)  # the success message is read
    before = db_state()
    for path, data in ((f"{url}submit/", {"comment_text": ""}), (url, {"target_level": "4"})):
        page = secretary.post(path, {**data, "lock_version": seen})
        assert page.status_code == 200
        text = page.content.decode()
        assert 'id="action-form"' not in text and 'id="target-form"' not in text
        messages = re.search(r'<ul class="messages">(.*?)</ul>', text, re.S)
        assert messages and "已被他人修改" in messages.group(1) and "secretary_a" in messages.group(1)
        assert "您的修改没有保存" in messages.group(1)
        assert db_state() == before
    # without the version, the page says so
    page = secretary.post(f"{url}submit/", {"comment_text": ""})
    assert "页面已过期" in page.content.decode()
    assert db_state() == before


def test_the_open_form_and_its_refusals(rulebooks: Any, world: Any) -> None:
    admin = login(world, "admin")
    response = admin.post(
        "/reviews/",
        {"year": "2023", "kind": "rural", "self_deadline": "2023-12-20", "street_deadline": "2023-12-10",
         "district_deadline": "2024-01-10", "notice_workdays": "5"},
    )  # fmt: skip
    assert "依次排列" in response.content.decode()
    response = admin.post(
        "/reviews/",
        {"year": "2023", "kind": "rural", "self_deadline": "2023-12-10", "street_deadline": "2023-12-20",
         "district_deadline": "2024-01-10", "notice_workdays": "5"},
    )  # fmt: skip
    assert response.status_code == 302
    page = admin.get("/reviews/").content.decode()
    assert "2023年农村评星" in page and "2023-12-10" in page
    assert (
        login(world, "street_a").post("/reviews/", {"year": "2023", "kind": "community"}).status_code == 403
    )


def test_the_cycle_page_filters_and_exports(cycle: Any, world: Any) -> None:
    admin = login(world, "admin")
    Assessment.objects.filter(cycle=cycle, org=world.village_b).update(state=Stage.SUBMITTED)
    page = admin.get(f"/reviews/{cycle.pk}/?state=submitted").content.decode()
    assert "后万金村" in page and "西漳涧村" not in page
    page = admin.get(f"/reviews/{cycle.pk}/?street=ZB").content.decode()
    assert "西漳涧村" in page and "后万金村" not in re.sub(
        r"<table id=\"progress\">.*?</table>", "", page, flags=re.S
    )
    response = admin.get(f"/reviews/{cycle.pk}/?format=xlsx")
    rows = read_rows(response.getvalue())
    assert rows[0][:4] == ["街道/镇", "组织编码", "组织名称", "环节"]
    assert {r[2]: r[3] for r in rows[1:]} == {"西漳涧村": "自评中", "后万金村": "已提交，待街道初评"}
    # a street's staff sees only their street
    page = login(world, "street_a").get(f"/reviews/{cycle.pk}/").content.decode()
    assert "西漳涧村" in page and "后万金村" not in page


def test_what_is_due_is_listed_for_each_role(cycle: Any, world: Any) -> None:
    assert "待我处理" in login(world, "secretary_a").get("/reviews/").content.decode()
    assert "待我处理" not in login(world, "street_a").get("/reviews/").content.decode()
    Assessment.objects.filter(cycle=cycle, org=world.village_a).update(state=Stage.SUBMITTED)
    page = login(world, "street_a").get("/reviews/").content.decode()
    assert "待我处理" in page and "已提交，待街道初评 1 个，截止 2023-12-29" in page
    assert "已逾期" in page  # the 2023 deadlines have passed
    ReviewCycle.objects.filter(pk=cycle.pk).update(street_deadline=dt.date(2100, 1, 1))
    page = login(world, "street_a").get("/reviews/").content.decode()
    assert "截止 2100-01-01" in page and "已逾期" not in page


# --- API and command -----------------------------------------------------------------------------------------


def test_the_api_runs_the_same_checks(cycle: Any, world: Any, bearer: Any) -> None:
    a = cycle.assessments.get(org=world.village_a)
    Assessment.objects.filter(pk=a.pk).update(target_level=3)
    listing = bearer("street_a").get("/api/v1/reviews?year=2023").json()
    assert listing[0]["counts"]["draft"] == 1  # street A's village only
    before = db_state()
    refused = bearer("street_a").post(
        f"/api/v1/reviews/assessments/{a.pk}/submit",
        {"lock_version": version(a)},
        content_type="application/json",
    )
    assert refused.status_code == 403 and "没有权限" in refused.json()["detail"]
    unversioned = bearer("secretary_a").post(
        f"/api/v1/reviews/assessments/{a.pk}/submit", {}, content_type="application/json"
    )
    assert unversioned.status_code == 422 and "lock_version" in unversioned.json()["detail"]
    assert db_state() == before
    done = bearer("secretary_a").post(
        f"/api/v1/reviews/assessments/{a.pk}/submit",
        {"lock_version": version(a)},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["state"] == "submitted"
    stale = bearer("street_a").post(
        f"/api/v1/reviews/assessments/{a.pk}/forward", {"lock_version": 0}, content_type="application/json"
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    wrong = bearer("admin").post(
        f"/api/v1/reviews/assessments/{a.pk}/approve",
        {"lock_version": version(a)},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "当前环节" in wrong.json()["detail"]


def test_the_status_command(cycle: Any, world: Any) -> None:
    Assessment.objects.filter(cycle=cycle, org=world.village_b).update(state=Stage.SUBMITTED)
    out = StringIO()
    call_command("review", "status", "--year", "2023", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2023年农村评星")
    assert lines[2].split("\t") == ["柏庄镇", "0", "1", "0", "0", "0", "1"]  # by street code: BZ, ZB
    assert lines[3].split("\t") == ["彰北街道", "1", "0", "0", "0", "0", "1"]
    out = StringIO()
    call_command("review", "status", "--year", "2023", "--street", "BZ", stdout=out)
    assert "彰北街道" not in out.getvalue() and "柏庄镇" in out.getvalue()


# --- queries per page ---------------------------------------------------------------------------------------


def add_branches(world: Any, start: int, count: int) -> None:
    actor = system_user()
    for i in range(start, start + count):
        street, prefix = (world.street_a, "ZB") if i % 2 else (world.street_b, "BZ")
        org = org_services.create_branch(
            actor,
            street,
            {"code": f"{prefix}6{i:02d}", "name": f"测试村{i:02d}", "area_kind": "rural", "branch_type": "branch",
             "member_count": 30},
        )  # fmt: skip
        rule_services.save_scores(actor, org, 2023, {"cyxw.income": "21"})


@pytest.mark.parametrize(
    "url", ["/reviews/{cycle}/", "/reviews/{cycle}/?format=xlsx", "/reviews/", "/api/v1/reviews?year=2023"]
)
def test_the_cycle_pages_run_the_same_number_of_queries_at_two_sizes(
    rulebooks: Any, world: Any, url: str
) -> None:
    from wuxing.reviews import services
    from wuxing.reviews.tests.conftest import DEADLINES

    add_branches(world, 0, 4)
    cycle = services.open_cycle(system_user(), 2023, "rural", deadlines=DEADLINES)
    admin = login(world, "admin")
    path = url.format(cycle=cycle.pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin.get(path)
        assert response.status_code == 200
        return len(ctx)

    small = count()
    add_branches(world, 10, 30)
    for org_id in set(
        rule_services.OrgUnit.objects.filter(area_kind="rural", level="branch").values_list("pk", flat=True)
    ) - set(cycle.assessments.values_list("org_id", flat=True)):
        Assessment.objects.create(cycle=cycle, org_id=org_id)
    assert count() == small


def test_a_removed_star_is_shown_as_removed_with_why(cycle: Any, world: Any) -> None:
    from wuxing.reviews import services
    from wuxing.reviews.models import NamedResult
    from wuxing.rules.tests.helpers import CYXW_FULL, STJY_FULL, ZBGY_FULL

    admin_user = world.users["admin"]
    rule_services.save_scores(admin_user, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    Assessment.objects.filter(cycle=cycle).update(state=Stage.DISTRICT_APPROVED)
    services.start_notice(admin_user, cycle, dt.date(2024, 1, 15))
    services.name_cycle(admin_user, cycle)
    result = NamedResult.objects.get(org=world.village_a, year=2023)
    prefix, day = f"r{result.pk}", f"{today():%Y-%m-%d}"  # named today: removed the same day
    data = {
        f"{prefix}-star_code": "cyxw",
        f"{prefix}-removed_on": day,
        f"{prefix}-reason": "村干部涉刑事案件",
        f"{prefix}-evidence": SimpleUploadedFile(
            "通报.pdf", b"%PDF-1.4 notice", content_type="application/pdf"
        ),
    }
    assert (
        login(world, "street_a").post(f"/reviews/results/{result.pk}/remove-star/", data).status_code == 403
    )
    data[f"{prefix}-evidence"] = SimpleUploadedFile("通报.pdf", b"%PDF-1.4 notice")  # the first was read
    response = login(world, "admin").post(f"/reviews/results/{result.pk}/remove-star/", data)
    assert response.status_code == 302
    page = login(world, "secretary_a").get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    assert f"<del>产业兴旺星</del> 已摘除（{day}）：村干部涉刑事案件；佐证材料：" in page
    assert f"（命名时 {result.level}星）" in page
