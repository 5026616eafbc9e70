"""The authority matrix: every route × method × role × own/other object, against the declared table.

The table is `wuxing/<app>/authority.py` (terms in wuxing/core/authority.py, how to add a route in
docs/security.md). This module
- fails when a URL name (the whole URL configuration, namespaced includes and the API's own routes
  included) or an API operation (the OpenAPI schema) has no entry, and when an entry names a route that
  no longer exists;
- sends every declared (route, method) as every role and anonymously, to street A's object and to street
  B's, and compares each answer with the table: status, the Chinese 403/404 page or JSON, the login
  redirect; after each request it compares the whole database (every table but the sessions) with the
  state before: a GET or a refused write changes nothing, a successful write changes something;
- sends every method a page does not declare and expects 405.
Each request runs in a savepoint that is rolled back, so every request starts from the same state.
The size of the matrix is printed at the end of the test run (see conftest.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from wuxing.core.authority import (
    ANONYMOUS,
    DISTRICT_ADMIN,
    METHODS,
    ROLES,
    WRITE_METHODS,
    Route,
    anonymous_outcome,
    declared_routes,
    expected_status,
)
from wuxing.core.tests.authority_world import USER_OF_ROLE, build

ROUTES = declared_routes()
CASES = [(route, method) for route in ROUTES for method in route.methods]
PAGES = [route for route in ROUTES if not route.api]
CALLERS = (*ROLES, ANONYMOUS)
# Logging in and out only touches the session; a look at full personal data leaves a line in the access
# log (core/privacy.py) — still a read, and tested in wuxing/orgs/tests/test_privacy.py; reading a rating
# may store the kept rating it decided (a cache of what the scores say, docs/decisions.md §24 — not a
# change anybody made).
NOT_SNAPSHOTTED = {"sessions.Session", "core.PersonalDataView", "starrules.Rating", "starrules.RatingCheck"}


# --- what exists ------------------------------------------------------------------------------------------


def url_names() -> dict[str, str]:
    """Every named URL pattern → its route, walking includes (namespaces joined with ':')."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                assert p.name, f"URL pattern {prefix}{p.pattern} has no name, so no table can name it"
                found[f"{namespace}:{p.name}" if namespace else p.name] = "/" + prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "", None)
    return found


def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI schema."""
    from wuxing.api.api import api

    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def as_openapi_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_route_has_an_entry_in_the_table() -> None:
    """A new URL or API operation must say who may reach it (wuxing/<app>/authority.py)."""
    declared_pages = {r.name for r in PAGES}
    declared_api = {(m, r.name) for r in ROUTES if r.api for m in r.methods}
    api_paths = {path for _m, path in api_operations()}
    missing = sorted(
        name
        for name, route in url_names().items()
        if name not in declared_pages and as_openapi_path(route) not in api_paths
    )
    missing_api = sorted(f"{m} {p}" for m, p in api_operations() - declared_api)
    assert not missing, f"URL names without an entry in any wuxing/<app>/authority.py: {missing}"
    assert not missing_api, f"API operations without an entry in any wuxing/<app>/authority.py: {missing_api}"


def test_every_entry_names_an_existing_route() -> None:
    names, operations = url_names(), api_operations()
    stale = sorted(r.name for r in PAGES if r.name not in names)
    stale_api = sorted(
        f"{m} {r.name}" for r in ROUTES if r.api for m in r.methods if (m, r.name) not in operations
    )
    assert not stale, f"the table names URLs that no longer exist: {stale}"
    assert not stale_api, f"the table names API operations that no longer exist: {stale_api}"


def test_each_route_is_declared_once_and_sensibly() -> None:
    names = [(r.api, r.name) for r in ROUTES]
    assert len(names) == len(set(names)), "a route is declared twice"
    for route in ROUTES:
        for method, access in route.methods.items():
            assert method in METHODS, (route.name, method)
            target = route.target_for(method)
            for side in target.sides:
                for role in CALLERS:
                    if access.allows(role, side) and role not in access.refused:
                        # nobody succeeds on what they cannot see
                        assert role in target.sees[side], (route.name, method, role, side)


# --- the requests -------------------------------------------------------------------------------------------


@dataclass
class Matrix:
    world: Any
    sides: dict[str, SimpleNamespace]
    sessions: dict[str, str]  # role -> session key
    models: list[Any]

    def client(self, role: str) -> Client:
        """A fresh client per request, so a logout or a new session never leaks into the next request."""
        client = Client()
        if role != ANONYMOUS:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (sessions aside), read with plain SQL to keep it cheap."""
        quote = connection.ops.quote_name
        rows = {}
        with connection.cursor() as cursor:
            for model in self.models:
                meta = model._meta
                cursor.execute(f"SELECT * FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}")
                rows[meta.label] = cursor.fetchall()
        return rows

    def changes_since(self, baseline: dict[str, list[tuple[Any, ...]]]) -> list[str]:
        """The tables whose rows differ from `baseline`."""
        now = self.snapshot()
        return [label for label, rows in now.items() if rows != baseline[label]]


@pytest.fixture(scope="module")
def _matrix(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Matrix]:
    """One world for the whole module (rolled back at its end), with every role logged in once."""
    with django_db_blocker.unblock(), transaction.atomic():
        world, sides = build()
        sessions = {}
        for role in ROLES:
            client = Client()
            client.force_login(world.users[USER_OF_ROLE[role]])
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        models = [m for m in apps.get_models() if m._meta.label not in NOT_SNAPSHOTTED]
        yield Matrix(world, sides, sessions, models)
        transaction.set_rollback(True)


@pytest.fixture
def matrix(_matrix: Matrix, db: Any) -> Matrix:
    return _matrix


def send(client: Client, method: str, url: str, data: dict[str, Any] | None, api: bool = False) -> Any:
    """GET; a form (POST) for pages; a JSON body for the API's writes."""
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
    if method == "POST":
        return client.post(url, data or {})
    return client.generic(method, url)


@dataclass
class Answer:
    status: int
    problem: str = ""  # what is wrong besides the status ("" if nothing)


def check_body(response: Any, route: Route, status: int) -> str:
    """A refusal looks as promised: the Chinese 403/404 page, or the API's JSON detail in Chinese."""
    if response.streaming:
        return ""
    text = response.content.decode(errors="replace")
    # everything under /api/ answers JSON, the API root's named URL too (core.middleware.ApiErrorsAsJson…)
    if (route.api or response.wsgi_request.path.startswith("/api/")) and status in (401, 403, 404):
        want = {401: "未登录", 403: "没有权限", 404: "未找到"}[status]
        if want not in response.json().get("detail", ""):
            return f"JSON detail without “{want}”"
    elif status == 403 and "没有权限" not in text:
        return "403 without the Chinese 没有权限 page"
    elif status == 404 and "页面不存在" not in text:
        return "404 without the Chinese 页面不存在 page"
    return ""


def attempt(m: Matrix, route: Route, method: str, role: str, side: str, baseline: Any) -> Answer:
    access = route.methods[method]
    target = route.target_for(method)
    objects = m.sides[side]
    # Anonymous callers send exactly what the district would send.
    as_role = DISTRICT_ADMIN if role == ANONYMOUS else role
    url = route.url(target.kwargs(objects, as_role))
    if access.query:
        url += "?" + access.query
    data = access.data(objects, as_role) if access.data else None
    with transaction.atomic():
        response = send(m.client(role), method, url, data, api=route.api)
        status = response.status_code
        changed = m.changes_since(baseline)
        transaction.set_rollback(True)
    if response.streaming:
        # read a file download to its end: the test client then closes it the way a server would
        # (closing it by hand would end the test's database connection)
        b"".join(response.streaming_content)
    problems = [check_body(response, route, status)]
    anonymous_refused = role == ANONYMOUS and not route.public
    if anonymous_refused and not route.api and status == 302:
        login = f"{resolve_url(settings.LOGIN_URL)}?next={quote(url.split('?')[0], safe='/')}"
        if not response["Location"].startswith(login):
            problems.append(f"redirected to {response['Location']}, not to the login page")
    succeeded = access.allows(role, side) and not anonymous_refused
    if method in WRITE_METHODS and succeeded and access.changes is not None:
        if bool(changed) != access.changes:
            problems.append(f"changed {', '.join(changed)}" if changed else "changed nothing")
    elif changed and (method not in WRITE_METHODS or not succeeded):
        problems.append(f"changed {', '.join(changed)}")
    return Answer(status, "; ".join(p for p in problems if p))


@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{m} {r.name}" for r, m in CASES])
def test_route_answers_as_declared(matrix: Matrix, route: Route, method: str, record_property: Any) -> None:
    baseline = matrix.snapshot()
    target = route.target_for(method)
    wrong = []
    tried = 0
    for role in CALLERS:
        # an anonymous caller of a page behind the login is refused before any object is looked up
        sides = target.sides if role != ANONYMOUS or route.public else target.sides[:1]
        for side in sides:
            tried += 1
            if role == ANONYMOUS:
                want = anonymous_outcome(route, method, side)
            else:
                want = expected_status(route, method, role, side)
            got = attempt(matrix, route, method, role, side, baseline)
            if got.status != want or got.problem:
                wrong.append(f"{role:>14} {side:<5} expected {want}, got {got.status} {got.problem}")
    record_property(
        "authority_matrix",
        {"route": route.name, "api": route.api, "method": method, "combinations": tried, "requests": tried},
    )
    assert not wrong, f"{method} {route.name} ({target.name}):\n" + "\n".join(wrong)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_undeclared_methods_answer_405(matrix: Matrix, route: Route, record_property: Any) -> None:
    """A method the table does not declare is not accepted: 405 for the district (whose requests every
    view would accept if any did), and for anonymous callers of public pages and of the API (which
    answers 405 before it asks who is calling)."""
    undeclared = [m for m in METHODS if m not in route.methods]
    target = next(iter(route.methods.values())).target or route.target
    side = target.sides[0]
    url = route.url(target.kwargs(matrix.sides[side], DISTRICT_ADMIN))
    baseline = matrix.snapshot()
    wrong = []
    tried = 0
    for method in undeclared:
        # Anonymous callers of a page behind the login never reach the view (see the matrix above).
        for role in (DISTRICT_ADMIN, ANONYMOUS) if route.public or route.api else (DISTRICT_ADMIN,):
            want = 405
            tried += 1
            with transaction.atomic():
                status = send(matrix.client(role), method, url, {}, api=route.api).status_code
                # a 405 answers before the view runs: nothing to compare then
                changed = matrix.changes_since(baseline) if status != want else []
                transaction.set_rollback(True)
            if status != want or changed:
                wrong.append(
                    f"{method} as {role}: expected {want}, got {status}"
                    + (f", changed {', '.join(changed)}" if changed else "")
                )
    record_property("authority_matrix", {"route": route.name, "requests": tried})
    assert not wrong, f"{route.name}:\n" + "\n".join(wrong)
