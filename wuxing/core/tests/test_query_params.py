"""Odd values in every query-string parameter of every page: never a server error.

``PAGES`` lists every page (URL name → path and the GET parameters it reads). For each page and each of
its parameters the test sends each of ``ODD_VALUES`` (and a NUL in a parameter it does not read) as two of
the roles that may open the page (those whose plain GET is a 200), taking turns so that every role meets
every parameter (NUL: as every role), and expects 400 for a NUL character, otherwise a page
(200), a redirect within the site (302) or 404 — never a 5xx. The table is kept honest twice: every URL
name of the site must be in ``PAGES`` or in ``NOT_PAGES`` (a new page fails until it is added), and a
page that reads a parameter missing from its entry fails (reads of ``request.GET`` are recorded while
the page is opened).

To add a page: one line in ``PAGES`` with its path and the parameters its view, forms and templates read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from wuxing.core.middleware import NUL_MESSAGE
from wuxing.core.tests.worldcache import _world_ids  # noqa: F401  (one world per module)
from wuxing.rules.tests.conftest import _rulebook_ids  # noqa: F401  (the shipped rulebooks, once per module)

pytestmark = pytest.mark.django_db

ODD_VALUES = [
    "\x00",
    "①",
    "٣",  # Arabic-Indic three: isdigit() is True, and int() reads it as 3
    "99999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "x" * 5000,
    "2023-02-30",
    "99999-01-01",
    "",
]
ROLES = ("anonymous", "admin", "leader", "street_a", "secretary_a", "unit")  # one user of each role

PAGE_PARAM = "page"  # core.views.paginate


@dataclass(frozen=True)
class Page:
    path: str  # with {placeholders} from the world, see `paths`
    params: tuple[str, ...] = ()


PAGES: dict[str, Page] = {
    "dashboard:home": Page("/", ("year", "format")),
    # the official holiday schedule
    "core:holidays": Page("/holidays/", ("year",)),
    "core:holiday_year": Page("/holidays/2027/", ("format",)),
    "core:holiday_edit": Page("/holidays/2027/edit/"),
    "core:privacy_log": Page("/privacy/log/", ("q", "from", "to", "format", PAGE_PARAM)),
    # accounts
    "accounts:login": Page("/accounts/login/", ("next",)),
    "accounts:password_change": Page("/accounts/password/"),
    "accounts:users": Page("/accounts/users/", ("q", "role", "street", "status", "format", PAGE_PARAM)),
    "accounts:user_create": Page("/accounts/users/new/"),
    "accounts:secretary_accounts": Page("/accounts/users/secretaries/", ("street",)),
    "accounts:user": Page("/accounts/users/{user}/"),
    "accounts:user_edit": Page("/accounts/users/{user}/edit/"),
    "accounts:user_deactivate": Page("/accounts/users/{user}/deactivate/"),
    "accounts:user_reactivate": Page("/accounts/users/{user}/reactivate/"),
    "accounts:user_reset_password": Page("/accounts/users/{user}/reset-password/"),
    "accounts:tokens": Page("/accounts/tokens/"),
    # organisations
    "orgs:list": Page(
        "/orgs/",
        (
            "q",
            "street",
            "area_kind",
            "branch_type",
            "unit",
            "demo",
            "star_level",
            "sort",
            "format",
            "partial",
            PAGE_PARAM,
        ),
    ),
    "orgs:tree": Page("/orgs/tree/"),
    "core:job": Page("/jobs/{job}/"),
    "core:job_download": Page("/jobs/{job}/download/"),
    "orgs:tree_street": Page("/orgs/tree/streets/{street}/"),
    "orgs:branch_create": Page("/orgs/new/", ("parent",)),
    "orgs:street_create": Page("/orgs/streets/new/"),
    "orgs:detail": Page("/orgs/{village}/"),
    "orgs:edit": Page("/orgs/{village}/edit/"),
    "orgs:delete": Page("/orgs/{village}/delete/"),
    "orgs:post_create": Page("/orgs/{village}/posts/new/"),
    "orgs:post_edit": Page("/orgs/{village}/posts/{post}/edit/"),
    "orgs:people": Page(
        "/orgs/people/", ("q", "role", "status", "street_leadership", "street", "format", "full", PAGE_PARAM)
    ),
    "orgs:person_create": Page("/orgs/people/new/", ("org",)),
    "orgs:person": Page("/orgs/people/{person}/"),
    "orgs:person_edit": Page("/orgs/people/{person}/edit/"),
    "orgs:units": Page("/orgs/units/", ("q", "format", PAGE_PARAM)),
    "orgs:unit_create": Page("/orgs/units/new/"),
    "orgs:unit": Page("/orgs/units/{unit}/"),
    "orgs:unit_edit": Page("/orgs/units/{unit}/edit/"),
    "orgs:import": Page("/orgs/import/", ("kind",)),
    "orgs:import_template": Page("/orgs/import/template/orgs.xlsx"),
    # stars
    "starrules:ratings": Page(
        "/stars/ratings/", ("year", "street", "kind", "level", "q", "sort", "format", "page")
    ),
    "starrules:card": Page("/stars/orgs/{village}/", ("year",)),
    "starrules:card_pdf": Page("/stars/orgs/{village}/card.pdf", ("year",)),
    "starrules:ratings_pdf": Page("/stars/ratings/report.pdf", ("year", "street", "kind")),
    "starrules:score_form": Page("/stars/orgs/{village}/scores/", ("year",)),
    "starrules:evidence": Page("/stars/orgs/{village}/evidence/{evidence}/"),
    "starrules:scores": Page("/stars/scores/", ("year", "kind", "street")),
    "starrules:scores_template": Page("/stars/scores/rural.xlsx", ("year", "filled")),
    "starrules:rulebooks": Page("/stars/rulebooks/"),
    "starrules:rulebook": Page("/stars/rulebooks/{rulebook}/", ("format",)),
    "starrules:rulebook_edit": Page("/stars/rulebooks/{rulebook}/edit/", ("as_new",)),
    "starrules:rulebook_tune": Page("/stars/rulebooks/{rulebook}/tune/"),
    # the yearly review
    "reviews:cycles": Page("/reviews/"),
    "reviews:cycle": Page("/reviews/{cycle}/", ("street", "state", "q", "format", PAGE_PARAM)),
    "reviews:assessment": Page("/reviews/assessments/{assessment}/"),
    "reviews:org_history": Page("/reviews/orgs/{village}/"),
    "reviews:notice": Page("/reviews/{cycle}/notice/", ("format",)),
    "reviews:removal_evidence": Page("/reviews/removals/{removal}/evidence/"),
    "funds:entitlements": Page("/funds/", ("year", "street", "item", "format")),
    "funds:parameters": Page("/funds/parameters/2024/"),
    "funds:history_import": Page("/funds/history/"),
    "funds:history_template": Page("/funds/history/template/"),
    "funds:claims": Page("/funds/claims/", ("year",)),
    "funds:claim": Page("/funds/claims/{claim}/"),
    "funds:claim_receipt": Page("/funds/claims/{claim}/receipt/"),
    "funds:budget": Page("/funds/budget/", ("year", "street", "format")),
    "funds:ledgers": Page("/funds/ledgers/", ("year",)),
    "funds:ledger": Page("/funds/ledgers/2023/v1/", ("compare", "format")),
    # 补齐短板
    "competition:index": Page("/competition/", ("year", "format")),
    "competition:rankings": Page(
        "/competition/rankings/", ("year", "month", "format", "street", "q", "page")
    ),
    "competition:quarter": Page(
        "/competition/quarters/", ("year", "quarter", "format", "street", "q", "page")
    ),
    "competition:monthly_import": Page("/competition/monthly/import/", ("year", "format")),
    "competition:parameters": Page("/competition/parameters/2024/"),
    "competition:checklist": Page("/competition/checklist/2024/"),
    "competition:observations": Page("/competition/observations/", ("year",)),
    "competition:observation": Page("/competition/observations/{event}/", ("format",)),
    "competition:observation_edit": Page("/competition/observations/{event}/edit/"),
    "competition:observation_import": Page("/competition/observations/{event}/import/", ("format",)),
    "competition:monthly_entry": Page("/competition/monthly/{village}/2023/1/"),
    "competition:cases": Page("/competition/cases/", ("year",)),
    "competition:reserve": Page("/competition/reserve/", ("year", "format")),
    "competition:weak": Page("/competition/weak/", ("year",)),
    "boards:tasks": Page("/boards/", ("street", "org", "status", "overdue", "focus", "format", PAGE_PARAM)),
    "boards:import": Page("/boards/import/", ("format",)),
    "boards:task": Page("/boards/tasks/{task}/"),
    "boards:note_evidence": Page("/boards/notes/{task_note}/evidence/"),
    "boards:task_create": Page("/boards/orgs/{village}/new/"),
    "boards:units": Page("/boards/units/", ("days",)),
    "boards:trainings": Page("/boards/trainings/"),
    "boards:training": Page("/boards/trainings/{training}/", ("format",)),
    "boards:groups": Page("/boards/groups/", ("year", "format")),
    "boards:compliance": Page("/boards/trainings/compliance/", ("year", "short", "format")),
    "members:register": Page("/members/", ("q", "stage", "org", "format", "full", PAGE_PARAM)),
    "members:add": Page("/members/new/"),
    "members:person": Page("/members/{applicant}/"),
    "members:person_pdf": Page("/members/{applicant}/pdf/"),
    "members:edit": Page("/members/{applicant}/edit/"),
    "members:quotas": Page("/members/quotas/", ("year",)),
    "members:stats": Page("/members/structure/", ("year", "format")),
    "members:rules": Page("/members/rules/"),
    "members:import": Page("/members/import/"),
    "members:import_template": Page("/members/import/template/"),
}

# URL names that are not pages: POST-only actions (a GET is refused or redirected) and language switching.
NOT_PAGES = {
    "set_language",
    "accounts:logout",
    "accounts:token_revoke",
    "accounts:user_token_revoke",
    "orgs:post_end",
    "starrules:evidence_upload",
    "starrules:evidence_delete",
    "starrules:veto_create",
    "starrules:veto_revoke",
    "starrules:rulebook_activate",
    "starrules:rulebook_clone",
    "core:holiday_delete",
    "reviews:approve_bulk",
    "reviews:name",
    "reviews:submit",
    "reviews:return",
    "reviews:forward",
    "reviews:approve",
    "reviews:change_value",
    "reviews:notice_start",
    "reviews:objection_create",
    "reviews:objection_resolve",
    "reviews:star_remove",
    "reviews:deadlines",
    "orgs:person_reveal",
    "funds:claim_verify",
    "funds:claim_return",
    "funds:claim_approve",
    "funds:claim_reopen",
    "funds:claim_resubmit",
    "funds:ledger_approve",
    "boards:task_note",
    "boards:task_close",
    "boards:task_cancel",
    "boards:task_edit",
    "boards:from_gaps",
    "boards:visit_create",
    "boards:attendance_import",
    "members:person_reveal",
    "members:step",
    "members:document",
    "members:extend",
    "members:withdraw_step",
    "members:withdraw_document",
    "competition:case_decide",
    "competition:weak_update",
}


def url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("api/"):
                continue  # the API: fuzzed from its schema (wuxing/api/tests/test_schemathesis.py)
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_page_of_the_site_is_in_the_table() -> None:
    names = set(url_names(get_resolver().url_patterns))
    assert names - set(PAGES) - NOT_PAGES == set(), "add these pages to PAGES (or to NOT_PAGES)"
    assert set(PAGES) - names == set(), "these pages no longer exist"


# --------------------------------------------------------------------------- the world and its clients


@pytest.fixture(scope="module")
def _path_ids(
    _rulebook_ids: dict[str, int],  # noqa: F811
    _world_ids: dict[str, Any],  # noqa: F811
    django_db_blocker: Any,
) -> Iterator[dict[str, int]]:
    """A score with an evidence file on top of the module's world and rulebooks (rolled back at the end)."""
    from django.db import transaction

    from wuxing.accounts.models import User
    from wuxing.core.management.base import system_user
    from wuxing.core.tests.authority_world import _finished_job
    from wuxing.orgs.models import OrgUnit, Post
    from wuxing.reviews import services as review_services
    from wuxing.rules import services
    from wuxing.rules.tests.helpers import YEAR

    with django_db_blocker.unblock(), transaction.atomic():
        actor = system_user()
        village = OrgUnit.objects.get(pk=_world_ids["objects"]["village_a"][1])
        services.save_scores(actor, village, YEAR, {"cyxw.income": "18"})
        score = village.scores.get(indicator_code="cyxw.income")
        evidence = services.add_evidence(actor, score, SimpleUploadedFile("报表.pdf", b"%PDF-1.4"))
        cycle = review_services.open_cycle(
            actor,
            YEAR,
            "rural",
            deadlines={
                "self_deadline": dt.date(YEAR, 12, 15),
                "street_deadline": dt.date(YEAR, 12, 29),
                "district_deadline": dt.date(YEAR + 1, 1, 12),
            },
        )
        removal = _star_removal(village, cycle, _rulebook_ids["rural"])
        claim = services_claim(actor, village)
        from wuxing.funds.models import PayoutLedger

        PayoutLedger.objects.create(year=2023, version=1, lines=[], total="0.00", reason="区委常委会审定")
        from wuxing.boards import services as board_services

        task = board_services.create_task(
            actor, village, year=YEAR, title="整治背街小巷", deadline=dt.date(YEAR, 6, 30)
        )
        from wuxing.boards.training import create_session

        training = create_session(actor, topic="集中培训", kind="central", held_on=dt.date(YEAR, 3, 1))
        task_note = board_services.add_note(
            actor, task, "已清理", SimpleUploadedFile("照片.pdf", b"%PDF-1.4")
        )
        from wuxing.members import services as member_services

        applicant = member_services.create_applicant(
            actor,
            village,
            {"name": "测试", "id_number": "11010519900101001X"[:17] + _check("11010519900101001"), "sex": "M",
             "birth_date": dt.date(1990, 1, 1), "education": "college"},
        )  # fmt: skip

        from wuxing.competition import services as competition_services

        event = competition_services.create_event(
            actor,
            title="观摩",
            held_on=dt.date(YEAR, 2, 21),
            organiser=None,
            orgs=[village],
            observers=["甲"],
        )
        yield {
            "applicant": applicant.pk,
            "event": event.pk,
            "cycle": cycle.pk,
            "removal": removal.pk,
            "claim": claim.pk,
            "task": task.pk,
            "task_note": task_note.pk,
            "training": training.pk,
            "assessment": cycle.assessments.get(org=village).pk,
            "user": _world_ids["users"]["street_a"],
            "village": village.pk,
            "street": _world_ids["objects"]["street_a"][1],
            "post": Post.objects.filter(org=village).values_list("pk", flat=True)[0],
            "person": _world_ids["objects"]["secretary_a"][1],
            "unit": _world_ids["objects"]["unit"][1],
            "evidence": evidence.pk,
            "rulebook": _rulebook_ids["rural"],
            "job": _finished_job(User.objects.get(pk=_world_ids["users"]["street_a"])).pk,
        }
        transaction.set_rollback(True)


def _check(first17: str) -> str:
    from wuxing.members.idcard import check_char

    return check_char(first17)


def services_claim(actor: Any, village: Any) -> Any:
    """A creation spending claim of the village, with its receipt (wuxing/funds/)."""
    from decimal import Decimal

    from wuxing.funds import services as fund_services

    receipt = SimpleUploadedFile("票据.pdf", b"%PDF-1.4 receipt")
    return fund_services.submit_claim(actor, village, 2023, Decimal("1000"), "宣传栏", receipt)


def _star_removal(village: Any, cycle: Any, rulebook_id: int) -> Any:
    """A named result of the village with a removed star and its evidence file."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from wuxing.reviews.models import NamedResult, StarRemoval

    result = NamedResult.objects.create(
        org=village, year=cycle.year - 6, kind="rural", cycle=cycle, rulebook_id=rulebook_id, level=1,
        stars=["zbgy"], points={"zbgy": "90.00"}, named_at=timezone.now(),
    )  # fmt: skip
    removal = StarRemoval(
        result=result,
        star_code="zbgy",
        removed_on=dt.date(2020, 6, 1),
        reason="测试",
        evidence_name="通报.pdf",
    )
    removal.evidence.save("通报.pdf", ContentFile(b"%PDF-1.4 notice"), save=False)
    removal.save()
    return removal


@pytest.fixture
def paths(_path_ids: dict[str, int], world: Any) -> dict[str, str]:
    return {name: page.path.format(**_path_ids) for name, page in PAGES.items()}


@pytest.fixture
def clients(world: Any) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        clients[role] = client
    return clients


_OPENERS: dict[str, tuple[str, ...]] = {}  # path → roles, worked out once per module (the data is the same)


def openers(clients: dict[str, Client], path: str) -> dict[str, Client]:
    """The roles that may open the page: their plain GET is a 200."""
    if path not in _OPENERS:
        _OPENERS[path] = tuple(
            role for role, client in clients.items() if client.get(path).status_code == 200
        )
    assert _OPENERS[path], f"nobody can open {path}"
    return {role: clients[role] for role in _OPENERS[path]}


# --------------------------------------------------------------------------- recording what a page reads


class RecordingQueryDict(QueryDict):
    """request.GET that remembers every key a view, form or template asks for."""

    read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


class RecordGetMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""))
        return self.get_response(request)


# --------------------------------------------------------------------------- the test

UNREAD = "probe"  # a parameter no page reads: odd values there must be harmless too (NUL is still a 400)


@pytest.fixture(autouse=True)
def _quick_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDF pages render their template as always, but skip WeasyPrint's layout (about 0.5 s a page, and
    this test opens each PDF page some 150 times); wuxing/rules/tests/test_pdf.py reads real PDFs."""
    monkeypatch.setattr("wuxing.core.pdf.html_to_pdf", lambda html: b"%PDF-1.7 " + html.encode()[:100])


@pytest.mark.parametrize("name", list(PAGES))
def test_odd_values_in_every_query_parameter_never_give_a_server_error(
    settings: Any, paths: dict[str, str], clients: dict[str, Client], name: str
) -> None:
    path = paths[name]
    roles = openers(clients, path)

    # 1. the table lists every parameter the page reads (a non-empty query string binds filter forms)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RecordGetMiddleware"]
    RecordingQueryDict.read = set()
    for client in roles.values():
        assert client.get(f"{path}?{UNREAD}=1").status_code in (200, 302), path
    unlisted = RecordingQueryDict.read - set(PAGES[name].params) - {UNREAD}
    assert unlisted == set(), f"{name} reads {sorted(unlisted)}: add them to its entry in PAGES"

    # 2. odd values in each of them (in a parameter the page does not read only NUL can matter, and it
    #    must be refused there too). Each value is sent by two of the roles that may open the page, taking
    #    turns, so every role meets every parameter and most values at a third of the requests; NUL by all.
    cases = [(param, ODD_VALUES) for param in PAGES[name].params] + [(UNREAD, ["\x00"])]
    order = list(roles.items())
    for param, values in cases:
        for i, value in enumerate(values):
            senders = order if "\x00" in value else {order[i % len(order)], order[(i + 1) % len(order)]}
            for role, client in senders:
                response = client.get(f"{path}?{param}={quote(value)}")
                where = f"{role} GET {path}?{param}={value[:20]!r}"
                body = (
                    b"".join(getattr(response, "streaming_content", []))
                    if response.streaming
                    else response.content
                )
                if "\x00" in value:
                    assert response.status_code == 400, where
                    assert NUL_MESSAGE in body.decode(), where
                elif response.status_code == 302:
                    assert response["Location"].startswith("/"), where
                else:
                    assert response.status_code in (200, 404), where
                    assert body, where
