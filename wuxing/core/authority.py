"""The declared authority table: who may reach every page and API operation, and what the others get.

Each app lists its routes in `<app>/authority.py` (a module-level `ROUTES` list). The generated test
`wuxing/core/tests/test_authority_matrix.py` tries every route × declared method × role × own/other
object against the table, and fails when a URL name or API operation has no entry, when an entry names
a route that no longer exists, and when a method the table does not declare answers anything but 405.
How to add a route: docs/security.md.

The people and objects behind the table (built by the test, see `wuxing/core/tests/authority_world.py`):
- roles: district_admin, leader, street_staff (of street A, 彰北街道), secretary (of village A, 西漳涧村),
  unit (区财政局, which helps village A), and anonymous;
- "own" objects belong to street A (village A, its secretary, her post, unit U01, village A's evidence
  and veto, street A's staff account …); "other" objects to street B (柏庄镇), which none of the
  street-bound roles may see. Routes without an object in the URL have the single side "any".

The outcome of one request is derived from two declarations:
- the route's `Target` says which roles can SEE the object on each side (the scoping choke point);
- each method's `Access` says which roles SUCCEED on each side (status `ok`: 200, or 302 after a
  successful POST or a redirect the view is meant to do).
A role that does not succeed gets 403 (a Chinese page) if it can see the object and 404 if it cannot
(a denied object looks like a missing one), unless `refused` names another status for that role (a
form that refuses a choice answers 200 and writes nothing). Anonymous requests are sent to the login
page (pages) or answered 401 in JSON (API), unless the route is public. A write that is refused must
change nothing; one that succeeds must change something (unless its `changes` says otherwise); a GET
changes nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

DISTRICT_ADMIN = "district_admin"
LEADER = "leader"
STREET_STAFF = "street_staff"
SECRETARY = "secretary"
UNIT = "unit"
ANONYMOUS = "anonymous"

ROLES: tuple[str, ...] = (DISTRICT_ADMIN, LEADER, STREET_STAFF, SECRETARY, UNIT)

OWN, OTHER, ANY = "own", "other", "any"

READ_METHODS = ("GET",)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
METHODS = READ_METHODS + WRITE_METHODS

# Role sets used by the tables.
EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
WHOLE_DISTRICT = frozenset({DISTRICT_ADMIN, LEADER})  # read everything
ADMIN = frozenset({DISTRICT_ADMIN})
REGISTRY = frozenset({DISTRICT_ADMIN, STREET_STAFF})  # maintain the registry (street: inside its street)
SCORERS = frozenset({DISTRICT_ADMIN, STREET_STAFF, SECRETARY})  # enter indicator values

Objects = Any  # one side's objects (see wuxing/core/tests/authority_world.py)
KwargsFn = Callable[[Objects, str], dict[str, Any]]  # (side objects, role) -> URL kwargs
DataFn = Callable[[Objects, str], dict[str, Any]]  # (side objects, role) -> request body


@dataclass(frozen=True)
class Target:
    """The object a route's URL names: how to fill the URL for each side, and who can see it there."""

    name: str
    kwargs: KwargsFn
    sees: Mapping[str, frozenset[str]]  # side -> roles that can see the object on that side

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(self.sees)


def _no_kwargs(objects: Objects, role: str) -> dict[str, Any]:
    return {}


# Scoped like an organisation: everybody sees street A's, only the whole-district roles street B's.
SCOPED = {OWN: EVERYONE, OTHER: WHOLE_DISTRICT}

NOTHING = Target("no object", _no_kwargs, {ANY: EVERYONE | {ANONYMOUS}})


def fixed(**kwargs: Any) -> Target:
    """No object in the URL, only fixed parts (e.g. the kind of an Excel template)."""
    return Target("no object", lambda o, role: dict(kwargs), NOTHING.sees)


# No object in the URL, but the request body names an organisation of street A (own) or street B (other).
STREET_IN_BODY = Target("street named in the form", _no_kwargs, {OWN: EVERYONE, OTHER: EVERYONE})

BRANCH = Target("branch", lambda o, role: {"pk": o.branch.pk}, SCOPED)
# A street, seen by whoever sees something in it (street A: everybody on that side).
STREET = Target("street", lambda o, role: {"pk": o.street.pk}, SCOPED)
# A branch without people (may be deleted); street A's (阳光社区) is not the secretary's nor the unit's.
EMPTY_BRANCH = Target(
    "empty branch",
    lambda o, role: {"pk": o.empty_branch.pk},
    {OWN: frozenset({DISTRICT_ADMIN, LEADER, STREET_STAFF}), OTHER: WHOLE_DISTRICT},
)
BRANCH_OF_POSTS = Target("branch", lambda o, role: {"org_pk": o.branch.pk}, SCOPED)
POST = Target("post", lambda o, role: {"org_pk": o.branch.pk, "pk": o.post.pk}, SCOPED)
PERSON = Target("person", lambda o, role: {"pk": o.person.pk}, SCOPED)
DISPATCHED_UNIT = Target("dispatched unit", lambda o, role: {"pk": o.unit.pk}, SCOPED)
EVIDENCE = Target("evidence", lambda o, role: {"pk": o.branch.pk, "evidence_pk": o.evidence.pk}, SCOPED)
VETO = Target("veto", lambda o, role: {"pk": o.branch.pk, "veto_pk": o.veto.pk}, SCOPED)
# Rulebooks are the district's, the same for every street.
RULEBOOK = Target("rulebook", lambda o, role: {"pk": o.rulebook.pk}, {ANY: EVERYONE})
RULEBOOK_ID = Target("rulebook", lambda o, role: {"rulebook_id": o.rulebook.pk}, {ANY: EVERYONE})
# Accounts (own: street A's staff account, other: street B's) exist only for the district.
ACCOUNT = Target("account", lambda o, role: {"pk": o.account.pk}, {OWN: ADMIN, OTHER: ADMIN})
INACTIVE_ACCOUNT = Target(
    "inactive account", lambda o, role: {"pk": o.inactive_account.pk}, {OWN: ADMIN, OTHER: ADMIN}
)
ACCOUNT_TOKEN = Target(
    "account's API token",
    lambda o, role: {"pk": o.account.pk, "token_pk": o.account_token.pk},
    {OWN: ADMIN, OTHER: ADMIN},
)
# Own: the caller's own API token; other: street B's staff's token, which nobody else may touch here.
TOKEN = Target("API token", lambda o, role: {"pk": o.token_of[role].pk}, {OWN: EVERYONE, OTHER: NOBODY})
# API paths name organisations by `org_id`.
BRANCH_ID = Target("branch", lambda o, role: {"org_id": o.branch.pk}, SCOPED)
# A background job: its owner's own (own side) or somebody else's (other side), whoever that is.
JOB = Target("job", lambda o, role: {"pk": o.job_of[role].pk}, {OWN: EVERYONE, OTHER: NOBODY})


@dataclass(frozen=True)
class Access:
    """Who succeeds with one method on a route, per side; see the module docstring for the others."""

    allowed: Mapping[str, frozenset[str]]  # side (or "*" for every side) -> roles that succeed
    ok: int | Mapping[str, int] = 200  # success status (or per role)
    data: DataFn | None = None  # request body (form fields; files as uploaded files)
    query: str = ""  # query string added to the URL
    refused: Mapping[str, int] = field(default_factory=dict)  # role -> status instead of 403/404
    changes: bool | None = True  # a successful write changes the database (None: not checked)
    target: Target | None = None  # this method names another target than the route's

    def allows(self, role: str, side: str) -> bool:
        return role in self.allowed.get(side, self.allowed.get("*", NOBODY))

    def ok_for(self, role: str) -> int:
        return self.ok if isinstance(self.ok, int) else self.ok[role]


def allow(
    roles: Iterable[str] | None = None,
    *,
    own: Iterable[str] | None = None,
    other: Iterable[str] | None = None,
    **options: Any,
) -> Access:
    """`allow(EVERYONE)`: the same roles succeed on every side; `allow(own=…, other=…)`: per side."""
    if roles is not None:
        return Access({"*": frozenset(roles)}, **options)
    return Access({OWN: frozenset(own or ()), OTHER: frozenset(other or ())}, **options)


@dataclass(frozen=True)
class Route:
    """One URL name ("orgs:edit") or one API path ("/api/v1/orgs/{org_id}") and its declared methods.

    A method missing from `methods` must answer 405 (pages; the API declares every operation)."""

    name: str
    methods: Mapping[str, Access]
    target: Target = NOTHING
    api: bool = False
    public: bool = False  # reachable without logging in (anonymous is then judged like a role)

    def target_for(self, method: str) -> Target:
        return self.methods[method].target or self.target

    def url(self, kwargs: dict[str, Any]) -> str:
        if self.api:
            return self.name.format(**kwargs)
        from django.urls import reverse

        return reverse(self.name, kwargs=kwargs)


def page(
    name: str,
    target: Target = NOTHING,
    *,
    public: bool = False,
    get: Access | None = None,
    post: Access | None = None,
    **other_methods: Access,
) -> Route:
    methods = {"GET": get, "POST": post, **{k.upper(): v for k, v in other_methods.items()}}
    return Route(name, {k: v for k, v in methods.items() if v is not None}, target, public=public)


def api(path: str, target: Target = NOTHING, *, get: Access | None = None, **other_methods: Access) -> Route:
    methods = {"GET": get, **{k.upper(): v for k, v in other_methods.items()}}
    return Route(path, {k: v for k, v in methods.items() if v is not None}, target, api=True)


def expected_status(route: Route, method: str, role: str, side: str) -> int:
    """The status the table promises for one request (anonymous: see `anonymous_outcome`)."""
    access = route.methods[method]
    if access.allows(role, side):
        return access.ok_for(role)
    if role in access.refused:
        return access.refused[role]
    return 403 if role in route.target_for(method).sees[side] else 404


def anonymous_outcome(route: Route, method: str, side: str) -> int:
    """Anonymous callers: the login redirect for pages, 401 for the API, or as declared when public."""
    if route.public:
        return expected_status(route, method, ANONYMOUS, side)
    return 401 if route.api else 302


def table_modules() -> list[ModuleType]:
    """Every `<app>/authority.py` of the project's installed apps."""
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("wuxing."):
            continue
        try:
            modules.append(importlib.import_module(f"{config.name}.authority"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.authority":
                raise
    return modules


def declared_routes() -> list[Route]:
    return [route for module in table_modules() for route in module.ROUTES]


def _holiday_form(o: Any, role: str) -> dict[str, Any]:
    from wuxing.core.models import HolidayYear

    current = HolidayYear.objects.filter(year=2027).first()
    return {
        "source": "测试通知",
        "entries": "2027-01-01 元旦 放假\n2027-02-06 至 2027-02-13 春节 放假\n2027-02-14 春节 上班",
        "reason": "录入",
        "lock_version": current.lock_version if current else "",
    }


# The project's own routes (wuxing/urls.py): the language switcher in every page's footer, open to all;
# the official holiday schedule (wuxing/core/urls.py): read by everyone, entered by the district.
ROUTES = [
    page("core:holidays", get=allow(EVERYONE)),
    api("/api/v1/holidays/{year}", fixed(year=2024), get=allow(EVERYONE)),
    page("core:privacy_log", get=allow(ADMIN)),
    page("core:holiday_year", fixed(year=2027), get=allow(EVERYONE)),
    page(
        "core:holiday_edit",
        fixed(year=2027),
        get=allow(ADMIN),
        post=allow(ADMIN, ok=302, data=_holiday_form),
    ),
    page(
        "core:holiday_delete",
        fixed(year=2030),  # the world's entered schedule
        post=allow(ADMIN, ok=302, data=lambda o, role: {"reason": "录入有误"}),
    ),
    page(
        "set_language",
        public=True,
        post=allow(
            EVERYONE | {ANONYMOUS},
            ok=302,
            data=lambda o, role: {"language": "en", "next": "/"},
            changes=False,  # a cookie only
        ),
    ),
    # a background job's progress page and its file: the user who started it, nobody else
    page("core:job", JOB, get=allow(own=EVERYONE, other=NOBODY)),
    page("core:job_download", JOB, get=allow(own=EVERYONE, other=NOBODY)),
]
