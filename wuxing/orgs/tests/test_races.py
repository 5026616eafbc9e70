"""Real races on the registry: on PostgreSQL these are concurrent transactions (core.tests.concurrency);
every writer gets either success or a Chinese refusal, never a 500, and the database stays consistent.

No module-wide `world` here: these tests commit (transaction=True) and build their own.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import build_world
from wuxing.core.locking import EditConflict
from wuxing.core.tests.concurrency import run_together
from wuxing.orgs import services
from wuxing.orgs.models import OrgUnit, Person, Post, PostRole

pytestmark = pytest.mark.django_db(transaction=True)


def branch(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"{code}村",
        "area_kind": "rural",
        "branch_type": "branch",
        "member_count": 1,
    }


# --- real races (PostgreSQL: concurrent transactions) ------------------------------------------------------


def test_twenty_simultaneous_creations_of_one_code_give_one_organisation_and_chinese_refusals() -> None:
    w = build_world()
    admin = w.users["admin"]
    outcomes = run_together([lambda: services.create_branch(admin, w.street_a, branch("RACE1"), "并发")] * 20)
    assert sum(o.ok for o in outcomes) == 1, outcomes
    refused = [o.error for o in outcomes if not o.ok]
    assert all(isinstance(e, ValidationError) for e in refused), refused
    assert all("组织编码" in str(e) and ("已" in str(e)) for e in refused), refused
    assert OrgUnit.objects.filter(code="RACE1").count() == 1
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_simultaneous_creations_of_different_codes_in_one_street_all_succeed() -> None:
    """treebeard computes a new child's path from its siblings: the street's row lock keeps two new
    branches from computing the same path."""
    w = build_world()
    admin = w.users["admin"]
    codes = [f"ZB1{i:02d}" for i in range(12)]
    outcomes = run_together(
        [partial(services.create_branch, admin, w.street_a, branch(c), "并发") for c in codes]
    )
    assert all(o.ok for o in outcomes), outcomes
    assert set(OrgUnit.objects.filter(code__in=codes).values_list("code", flat=True)) == set(codes)
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_ten_simultaneous_secretary_registrations_leave_one_secretary() -> None:
    w = build_world()
    admin = w.users["admin"]
    people = [Person.objects.create(name=f"候选{i}", home_org=w.community_a) for i in range(10)]

    def register(person: Person) -> Post:
        post = Post(person=person, org=w.community_a, role=PostRole.SECRETARY, start_date=dt.date(2024, 1, 1))
        return services.save_post(admin, post, "任命")

    outcomes = run_together([partial(register, p) for p in people])
    assert sum(o.ok for o in outcomes) == 1, outcomes
    assert all(isinstance(o.error, ValidationError) for o in outcomes if not o.ok), outcomes
    assert Post.objects.filter(org=w.community_a, role=PostRole.SECRETARY, end_date__isnull=True).count() == 1


def test_simultaneous_stale_edits_of_one_organisation_keep_exactly_one() -> None:
    w = build_world()
    admin = w.users["admin"]

    def edit(i: int) -> OrgUnit:
        org = OrgUnit.objects.get(pk=w.village_a.pk)
        return services.update_org(admin, org, {"member_count": 100 + i}, "并发", expected_version=0)

    outcomes = run_together([partial(edit, i) for i in range(8)])
    winners = [i for i, o in enumerate(outcomes) if o.ok]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o.error, EditConflict) for o in outcomes if not o.ok), outcomes
    org = OrgUnit.objects.get(pk=w.village_a.pk)
    assert (org.member_count, org.lock_version) == (100 + winners[0], 1)
