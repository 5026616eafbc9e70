"""Shared pytest fixtures: a small two-street district with one user per role."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wuxing.core.management.base import system_user

# Prints the size of the authority matrix at the end of the run.
pytest_plugins = ["wuxing.core.tests.authority_report"]


@dataclass
class World:
    district: Any
    street_a: Any
    street_b: Any
    village_a: Any
    community_a: Any
    village_b: Any
    unit: Any
    other_unit: Any
    users: dict[str, Any]
    secretary_a: Any


def build_world() -> World:
    from wuxing.accounts.models import Role, User
    from wuxing.orgs import services
    from wuxing.orgs.models import DispatchedUnit, Person, Post, PostRole

    actor = system_user()
    district = services.create_district(actor, code="BG", name="北关区")
    unit = services.save_unit(actor, DispatchedUnit(code="U01", name="区财政局"))
    other_unit = services.save_unit(actor, DispatchedUnit(code="U02", name="区民政局"))
    street_a = services.create_street(actor, {"code": "ZB", "name": "彰北街道", "street_kind": "street"})
    street_b = services.create_street(actor, {"code": "BZ", "name": "柏庄镇", "street_kind": "town"})
    base = {"branch_type": "branch", "member_count": 40}
    village_a = services.create_branch(
        actor,
        street_a,
        {**base, "code": "ZB001", "name": "西漳涧村", "area_kind": "rural", "assigned_unit": unit},
    )
    community_a = services.create_branch(
        actor, street_a, {**base, "code": "ZB002", "name": "阳光社区", "area_kind": "community"}
    )
    village_b = services.create_branch(
        actor,
        street_b,
        {**base, "code": "BZ001", "name": "后万金村", "area_kind": "rural", "assigned_unit": other_unit},
    )
    secretary_a = services.save_person(actor, Person(name="李建国", home_org=village_a, phone="13800000001"))
    services.save_post(
        actor,
        Post(person=secretary_a, org=village_a, role=PostRole.SECRETARY, start_date=dt.date(2021, 3, 1)),
    )
    person_b = services.save_person(actor, Person(name="王秀英", home_org=village_b))
    services.save_post(
        actor, Post(person=person_b, org=village_b, role=PostRole.SECRETARY, start_date=dt.date(2021, 3, 1))
    )
    users = {
        "admin": User.objects.create_user("admin", password="pw-admin-1", role=Role.DISTRICT_ADMIN),
        "leader": User.objects.create_user("leader", password="pw-leader-1", role=Role.LEADER),
        "street_a": User.objects.create_user(
            "street_a", password="pw-street-1", role=Role.STREET_STAFF, scope_org=street_a
        ),
        "street_b": User.objects.create_user(
            "street_b", password="pw-street-2", role=Role.STREET_STAFF, scope_org=street_b
        ),
        "secretary_a": User.objects.create_user(
            "secretary_a", password="pw-sec-1", role=Role.SECRETARY, scope_org=village_a
        ),
        "unit": User.objects.create_user("unit", password="pw-unit-1", role=Role.UNIT, unit=unit),
    }
    return World(
        district, street_a, street_b, village_a, community_a, village_b, unit, other_unit, users, secretary_a
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def client_for(client: Any, world: World) -> Any:
    def login(role: str) -> Any:
        client.force_login(world.users[role])
        return client

    return login


@pytest.fixture
def production_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a child process with the production settings on a fresh database of the same
    kind as the test run's: an SQLite file under its own var directory, or a new PostgreSQL database
    (dropped afterwards). For tests that need real files, locks, connections or a process to kill."""
    with production_environment(tmp_path) as env:
        yield env


@contextmanager
def production_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """`production_env` for any scope: a module-scoped fixture passes a directory of its own (and should
    depend on ``django_db_setup``, so that the PostgreSQL database is named after the run's test database).
    Each call gets its own database, so fixtures of parallel workers never share one."""
    import psycopg
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DB_CONN_MAX_AGE")}
    env.update(DJANGO_SETTINGS_MODULE="wuxing.settings", WUXING_VAR_DIR=str(tmp_path / "var"))
    if connection.vendor != "postgresql":
        yield env
        return
    params = connection.settings_dict
    name = f"{params['NAME']}_probe_{uuid.uuid4().hex[:8]}"
    server = {
        "host": params["HOST"] or "localhost",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    env["DATABASE_URL"] = f"postgres://{params['USER']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
