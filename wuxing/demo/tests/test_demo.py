"""The Beiguan demo: 112 organisations under 9 streets and 1 town, real names where known, demo accounts.

Expected facts come from ../shared/domain/beiguan.md and are written out here, not read from the loader.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory, override_settings

from wuxing.accounts.models import Role, User
from wuxing.core.management.base import command_lock
from wuxing.demo import services
from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit, Person, Post, PostRole

STREETS = {
    "红旗路街道": "street",
    "灯塔路街道": "street",
    "解放路街道": "street",
    "豆腐营街道": "street",
    "洹北街道": "street",
    "民航路街道": "street",
    "曙光路街道": "street",
    "彰东街道": "street",
    "彰北街道": "street",
    "柏庄镇": "town",
}

# Named organisations whose street is a recorded fact.
PLACED = {
    "后万金村": "柏庄镇",
    "西苏度村": "柏庄镇",
    "北花村": "柏庄镇",
    "恒大绿洲社区": "彰东街道",
    "西漳涧村": "彰北街道",
    "盘庚中社区": "豆腐营街道",
    "光辉路社区": "灯塔路街道",
    "平原社区": "曙光路街道",
    "曙光社区": "曙光路街道",
    "盘庚东社区": "曙光路街道",
    "文博社区": "曙光路街道",
}

# Villages placed in Beiguan by the 2002 re-division (street not recorded: 彰北, 彰东 or 柏庄).
VILLAGES_2002 = [
    "东石桃",
    "西石桃",
    "桃村口",
    "田桃村",
    "李桃村",
    "西良贡",
    "养鱼屯",
    "六寺",
    "唐庄",
    "羊毛屯",
    "黄家营",
    "西见山",
    "西于曹",
    "前崇义",
    "中崇义",
    "后崇义",
    "西六村",
    "屈王度",
    "方北营",
    "周家营",
    "安阳桥",
    "西漳涧",
    "东漳涧",
    "董王度",
    "冯家庙",
    "宋家庙",
    "十里铺",
    "马家垒",
    "张贺垒",
    "程寸营",
    "韩王度",
    "缑家垒",
    "小营",
    "李家庄",
    "杏花村",
    "苏家村",
    "南漳涧",
]


def base(name: str) -> str:
    return name.removesuffix("村")


REAL_BASES = {base(n) for n in PLACED} | {base(n) for n in VILLAGES_2002}


MODELS = (OrgUnit, Person, Post, DispatchedUnit, User, OrgUnit.history.model, Person.history.model)


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """Load the demo once for this module, exactly as `wuxing load_demo` does on an empty database
    (load_registry() then ensure_demo_accounts()), inside a transaction rolled back at the end, so the
    other test modules never see it (Django's TestCase.setUpTestData pattern)."""
    lock_dir = tmp_path_factory.mktemp("var")
    # override_settings: the command's lock stays private
    with django_db_blocker.unblock(), override_settings(VAR_DIR=lock_dir), transaction.atomic():
        assert not OrgUnit.objects.exists()
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        counts = [m.objects.count() for m in MODELS]
        passwords = dict(User.objects.values_list("username", "password"))
        yield {"counts": counts, "passwords": passwords, "output": out.getvalue(), "lock_dir": lock_dir}
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded: Any, db: Any) -> Any:
    return loaded


def parent_names() -> dict[str, str]:
    streets = {s.path: s.name for s in OrgUnit.objects.streets()}
    return {b.name: streets[b.path[:8]] for b in OrgUnit.objects.branches()}


def test_demo_has_112_branches_under_9_streets_and_1_town(demo: Any) -> None:
    district = OrgUnit.objects.get(level=Level.DISTRICT)
    assert (district.code, district.name) == ("BG", "北关区")
    assert {s.name: s.street_kind for s in OrgUnit.objects.streets()} == STREETS
    assert Counter(OrgUnit.objects.streets().values_list("street_kind", flat=True)) == {
        "street": 9,
        "town": 1,
    }
    assert OrgUnit.objects.branches().count() == 112
    assert OrgUnit.objects.count() == 1 + 10 + 112
    assert all(b.depth == 3 for b in OrgUnit.objects.branches())
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    assert DispatchedUnit.objects.count() > 0


def test_named_organisations_are_real_and_in_their_street(demo: Any) -> None:
    where = parent_names()
    for name, street in PLACED.items():
        org = OrgUnit.objects.get(name=name)
        assert (where[name], org.is_demo) == (street, False), name
    sgl = sorted(n for n, s in where.items() if s == "曙光路街道")
    assert sgl == sorted(["平原社区", "曙光社区", "盘庚东社区", "文博社区"])
    kinds = {o.name: o.area_kind for o in OrgUnit.objects.branches()}
    assert {kinds[n] for n in PLACED if n.endswith("社区")} == {"community"}
    assert {kinds[n] for n in PLACED if n.endswith("村")} == {"rural"}


def test_2002_villages_are_present_real_and_in_a_plausible_street(demo: Any) -> None:
    where = {base(n): s for n, s in parent_names().items()}
    for village in VILLAGES_2002:
        assert where.get(base(village)) in {"彰北街道", "彰东街道", "柏庄镇"}, village


def test_invented_names_are_flagged_and_real_ones_are_not(demo: Any) -> None:
    branches = list(OrgUnit.objects.branches())
    wrong = [(b.name, b.is_demo) for b in branches if b.is_demo == (base(b.name) in REAL_BASES)]
    assert wrong == []
    assert (
        sum(1 for b in branches if not b.is_demo) == 47
    )  # 7 seed + 4 曙光路 + 37 of 2002, 西漳涧 counted once
    assert len({b.name for b in branches}) == 112  # no invented name repeats a real or invented one
    assert all(b.name.endswith(("村", "社区")) for b in branches)
    assert all((b.area_kind == "community") == b.name.endswith("社区") for b in branches)


def test_urban_streets_hold_communities_only(demo: Any) -> None:
    kinds = Counter((s, o.area_kind) for o in OrgUnit.objects.branches() for s in [parent_names()[o.name]])
    for street in (
        "红旗路街道",
        "灯塔路街道",
        "解放路街道",
        "豆腐营街道",
        "洹北街道",
        "民航路街道",
        "曙光路街道",
    ):
        assert kinds[(street, "rural")] == 0, street
        assert kinds[(street, "community")] > 0, street
    assert kinds[("柏庄镇", "community")] == 0


def test_every_branch_has_one_current_secretary(demo: Any) -> None:
    current = Counter(
        Post.objects.filter(role=PostRole.SECRETARY, end_date__isnull=True).values_list("org_id", flat=True)
    )
    assert set(current) == set(OrgUnit.objects.branches().values_list("pk", flat=True))
    assert set(current.values()) == {1}
    assert not Person.objects.filter(is_demo=False).exists()


def test_demo_accounts_exist_for_every_role(demo: Any) -> None:
    users = User.objects.all()
    assert {u.role for u in users} == set(Role.values)
    assert all(u.is_demo for u in users)
    assert User.objects.get(username="admin").role == Role.DISTRICT_ADMIN
    assert User.objects.get(username="leader").role == Role.LEADER
    jd = User.objects.get(username="jd_bz")
    assert jd.scope_org is not None
    assert (jd.role, jd.scope_org.name) == (Role.STREET_STAFF, "柏庄镇")
    assert User.objects.filter(role=Role.STREET_STAFF).count() == 10
    sj = User.objects.get(scope_org__name="后万金村")
    assert sj.scope_org is not None
    assert (sj.role, sj.username) == (Role.SECRETARY, f"sj_{sj.scope_org.code.lower()}")
    assert (
        sj.person is not None and sj.person.posts.filter(role=PostRole.SECRETARY, org=sj.scope_org).exists()
    )
    assert User.objects.filter(role=Role.SECRETARY).count() == 112
    assert User.objects.filter(role=Role.UNIT).count() == DispatchedUnit.objects.count()
    for user in users:
        user.full_clean()  # every account is consistent with its role (scope/unit present)


def test_load_demo_command_is_idempotent(demo: Any) -> None:
    assert demo["counts"][0] == 123
    assert "已加载北关区演示数据：10 个街道/镇，112 个村/社区党组织" in demo["output"]
    out = io.StringIO()
    call_command("load_demo", quiet_accounts=True, stdout=out)
    assert "跳过演示数据加载" in out.getvalue()
    assert [m.objects.count() for m in MODELS] == demo["counts"]
    assert dict(User.objects.values_list("username", "password")) == demo["passwords"]
    with command_lock("load_demo") as path:  # the lock was released
        assert path == demo["lock_dir"] / "locks" / "load_demo.lock"


def test_command_prints_accounts_for_every_role(demo: Any) -> None:
    for username in ("admin", "leader", "jd_bz", "dw_u01"):
        assert f"  {username} " in demo["output"], username
    assert services.DEMO_PASSWORD in demo["output"]


def login(client: Any, username: str, password: str) -> bool:
    """client.login with a request, which django-axes needs to count failures."""
    return client.login(
        request=RequestFactory().post("/accounts/login/"), username=username, password=password
    )


def test_demo_login_follows_the_setting(demo: Any, client: Any, settings: Any) -> None:
    User.objects.create_user("real_admin", password="real-pw-1", role=Role.DISTRICT_ADMIN)

    settings.WUXING_DEMO_LOGIN_ALLOWED = True
    assert login(client, "admin", services.DEMO_PASSWORD) is True
    client.logout()

    settings.WUXING_DEMO_LOGIN_ALLOWED = False
    assert login(client, "admin", services.DEMO_PASSWORD) is False
    assert login(client, "jd_bz", services.DEMO_PASSWORD) is False
    assert login(client, "real_admin", "real-pw-1") is True


def test_demo_login_page_refuses_demo_accounts_when_switched_off(
    demo: Any, client: Any, settings: Any
) -> None:
    settings.WUXING_DEMO_LOGIN_ALLOWED = False
    response = client.post("/accounts/login/", {"username": "leader", "password": services.DEMO_PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    settings.WUXING_DEMO_LOGIN_ALLOWED = True
    response = client.post("/accounts/login/", {"username": "leader", "password": services.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="leader").pk)


def test_demo_session_ends_when_demo_login_is_switched_off(demo: Any, client: Any, settings: Any) -> None:
    settings.WUXING_DEMO_LOGIN_ALLOWED = True
    assert login(client, "admin", services.DEMO_PASSWORD)
    assert client.get("/orgs/").status_code == 200
    settings.WUXING_DEMO_LOGIN_ALLOWED = False
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_most_demo_values_carry_a_real_evidence_file_and_a_few_organisations_lag(demo: Any) -> None:
    from wuxing.core.uploads import evidence_kind
    from wuxing.rules.demo import load_demo_evidence
    from wuxing.rules.models import Evidence, Score

    values = Score.objects.filter(year=2023).count()
    files = Evidence.objects.filter(score__year=2023)
    assert 0.75 * values < files.count() < values
    sample = files.order_by("pk").first()
    assert sample is not None
    with sample.file.open("rb") as f:
        assert evidence_kind(f) == "pdf"  # passes the same content check as an upload
    lagging = Score.objects.filter(year=2023, evidence__isnull=True).values("org_id").distinct().count()
    assert 0 < lagging < 112
    assert load_demo_evidence() is None  # idempotent
    assert Evidence.objects.filter(score__year=2023).count() == files.count()
