"""Loading the Beiguan demo (idempotent) and its demo accounts."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from wuxing.accounts.models import Role, User
from wuxing.core.management.base import system_user
from wuxing.demo import beiguan
from wuxing.orgs import services as org_services
from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit, Person, Post, PostRole

DEMO_PASSWORD = "wuxing-demo"
REASON = "加载北关区演示数据"


def demo_loaded() -> bool:
    return OrgUnit.objects.filter(level=Level.DISTRICT, code=beiguan.DISTRICT[0]).exists()


@transaction.atomic
def load_registry(seed: int = 2023) -> dict[str, int]:
    actor = system_user()
    rng = random.Random(seed)
    district = OrgUnit.objects.get_root_nodes().first() or org_services.create_district(
        actor, code=beiguan.DISTRICT[0], name=beiguan.DISTRICT[1], reason=REASON
    )
    units = []
    for idx, name in enumerate(beiguan.UNITS, start=1):
        unit = DispatchedUnit(code=f"U{idx:02d}", name=name, is_demo=True)
        units.append(org_services.save_unit(actor, unit, REASON))
    streets: dict[str, OrgUnit] = {}
    for code, name, kind, _c, _v in beiguan.STREETS:
        streets[code] = org_services.create_street(
            actor, {"code": code, "name": name, "street_kind": kind}, REASON
        )
    orgs = beiguan.organisations(seed)
    for i, demo in enumerate(orgs):
        data = {
            "code": demo.code,
            "name": demo.name,
            "area_kind": demo.area_kind,
            "branch_type": demo.branch_type,
            "member_count": demo.member_count,
            "assigned_unit": units[i % len(units)],
        }
        branch = org_services.create_branch(
            actor, streets[demo.street_code], data, REASON, is_demo=demo.is_demo
        )
        _staff(actor, rng, branch)
    return {"streets": len(streets), "organisations": len(orgs), "units": len(units), "district": district.pk}


def _staff(actor: Any, rng: random.Random, branch: OrgUnit) -> None:
    """A secretary (often also the committee director, 一肩挑), a deputy and two or three members."""
    roles = [
        PostRole.SECRETARY,
        PostRole.DEPUTY_SECRETARY,
        PostRole.PARTY_COMMITTEE,
        PostRole.RESIDENT_COMMITTEE,
    ]
    if rng.random() < 0.5:
        roles.append(PostRole.PARTY_COMMITTEE)
    secretary = None
    for role in roles:
        person = Person(
            name=beiguan.person_name(rng),
            gender=rng.choice(["M", "M", "F"]),
            birth_date=dt.date(rng.randint(1965, 1992), rng.randint(1, 12), rng.randint(1, 28)),
            phone=f"13{rng.randint(100000000, 999999999)}",
            home_org=branch,
            is_demo=True,
        )
        org_services.save_person(actor, person, REASON)
        start = dt.date(2021, rng.randint(1, 6), rng.randint(1, 28))
        post = Post(
            person=person,
            org=branch,
            role=role,
            start_date=start,
            on_street_leadership=(role == PostRole.SECRETARY and rng.random() < 0.06),
        )
        org_services.save_post(actor, post, REASON)
        if role == PostRole.SECRETARY:
            secretary = person
    if secretary is not None and rng.random() < 0.7:
        org_services.save_post(
            actor,
            Post(person=secretary, org=branch, role=PostRole.DIRECTOR, start_date=dt.date(2021, 7, 1)),
            REASON,
        )


@transaction.atomic
def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create (or refresh) one demo account per role and scope. Returns (username, role, scope) rows."""
    rows: list[tuple[str, str, str]] = []
    hashed = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per account would take a minute

    def upsert(username: str, role: str, full_name: str, **scope: Any) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "full_name": full_name, "is_demo": True, **scope}
        )
        if created:
            user.password = hashed
            user.save(update_fields=["password"])
        return user

    upsert("admin", Role.DISTRICT_ADMIN, "区委组织部（演示）")
    rows.append(("admin", "区委组织部管理员", "全区"))
    upsert("leader", Role.LEADER, "区领导（演示）")
    rows.append(("leader", "领导（只读）", "全区"))
    for street in OrgUnit.objects.streets():
        username = f"jd_{street.code.lower()}"
        upsert(username, Role.STREET_STAFF, f"{street.name}工作人员（演示）", scope_org=street)
        rows.append((username, "街道/镇工作人员", street.name))
    secretaries = {
        p.org_id: p.person
        for p in Post.objects.filter(role=PostRole.SECRETARY, end_date__isnull=True).select_related("person")
    }
    shown = set(beiguan.FIVE_STAR_CANDIDATES)
    for branch in OrgUnit.objects.branches():
        username = f"sj_{branch.code.lower()}"
        person = secretaries.get(branch.pk)
        upsert(
            username,
            Role.SECRETARY,
            f"{branch.name}书记" + (f" {person.name}" if person else ""),
            scope_org=branch,
            person=person,
        )
        if branch.name in shown:
            rows.append((username, "村/社区党组织书记", branch.name))
    rows.append(("sj_<组织编码小写>", "村/社区党组织书记", "每个组织一个，如 sj_bz001"))
    for unit in DispatchedUnit.objects.all()[:1]:
        username = f"dw_{unit.code.lower()}"
        upsert(username, Role.UNIT, f"{unit.name}（演示）", unit=unit)
        rows.append((username, "区直单位（只读）", unit.name))
    for unit in DispatchedUnit.objects.all()[1:]:
        upsert(f"dw_{unit.code.lower()}", Role.UNIT, f"{unit.name}（演示）", unit=unit)
    return rows
