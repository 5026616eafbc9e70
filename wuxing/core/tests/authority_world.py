"""The objects the authority table (`wuxing/*/authority.py`) is tried against.

The conftest `world` (street A 彰北街道 with village A 西漳涧村 and 阳光社区; street B 柏庄镇 with 后万金村)
plus what the routes name: an empty branch in street B, the shipped 2023 rulebooks, a value with an
evidence file (uploaded by village A's secretary, and by street B's staff) and a veto on each side's
village, an entered holiday schedule (2030), an inactive account per street, and an API token for every account. Each side is a namespace with the same attribute names, so a table entry says
`o.branch` and means village A for "own" and 后万金村 for "other".
The yearly review (wuxing/reviews/): a 2023 rural cycle whose villages are drafts (with a target level),
a 2022 rural cycle (on a cloned 2022 rulebook) where they are submitted, a 2021 one where the street has
forwarded them, a 2020 one (on a cloned 2020 rulebook) approved and published (notice over), ready to be
named, a 2019 one approved (to be published), a 2018 one in its notice with an objection per village and
a named 2017 one with a named result per village (whose stars the district may remove; 支部过硬星 is
removed already, with an evidence file to download).
补齐短板 (wuxing/boards/): an open 2023 task per village with a progress note carrying an evidence file,
and a central training session.
The community organisations (the empty branches the district may delete) have no assessment.
Funds (wuxing/funds/): per village a creation spending claim waiting for its street, a verified one, an
approved one and a returned one; an approved 2023 payout ledger (version 1) with a line per village.
动态竞争 (wuxing/competition/): 2023 parameters that put every branch in the monthly evaluation; per street
an observation tour of its village (organised by the street), and per village an open downgrade proposal
and a weak-branch record.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import World, build_world
from wuxing.core.authority import (
    ANY,
    DISTRICT_ADMIN,
    LEADER,
    OTHER,
    OWN,
    ROLES,
    SECRETARY,
    STREET_STAFF,
    UNIT,
)
from wuxing.core.management.base import system_user

YEAR = 2023
# The world's users standing for each role (street_b is only ever the owner of "other" objects).
USER_OF_ROLE = {
    DISTRICT_ADMIN: "admin",
    LEADER: "leader",
    STREET_STAFF: "street_a",
    SECRETARY: "secretary_a",
    UNIT: "unit",
}
PASSWORDS = {  # as set by conftest.build_world
    "admin": "pw-admin-1",
    "leader": "pw-leader-1",
    "street_a": "pw-street-1",
    "street_b": "pw-street-2",
    "secretary_a": "pw-sec-1",
    "unit": "pw-unit-1",
}


def build() -> tuple[World, dict[str, SimpleNamespace]]:
    """Build everything and return the world and the objects of each side ("own", "other", "any")."""
    from wuxing.accounts.models import ApiToken, Role, User
    from wuxing.core.models import HolidayYear
    from wuxing.orgs import services as org_services
    from wuxing.orgs.models import DispatchedUnit, OrgUnit, Person, Post, PostRole
    from wuxing.rules import services as rule_services

    actor = system_user()
    world = build_world()
    empty_b = org_services.create_branch(
        actor,
        world.street_b,
        {
            "code": "BZ002",
            "name": "柏庄社区",
            "area_kind": "community",
            "branch_type": "branch",
            "member_count": 30,
        },
    )
    rulebooks = {rb.kind: rb for rb in rule_services.load_shipped(actor)}
    evidence, vetoes = {}, {}
    uploaders = {world.village_a.pk: world.users["secretary_a"], world.village_b.pk: world.users["street_b"]}
    for org in (world.village_a, world.village_b):
        rule_services.save_scores(actor, org, YEAR, {"zbgy.org_life": "12"})  # the secretary enters it
        score = org.scores.get(year=YEAR, indicator_code="zbgy.org_life")
        evidence[org.pk] = rule_services.add_evidence(
            uploaders[org.pk],
            score,
            SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"),
        )
        vetoes[org.pk] = rule_services.record_veto(
            actor,
            org,
            YEAR,
            veto_code="zbgy.weak_branch",
            occurred_on=dt.date(YEAR, 5, 1),
            description="测试",
        )
    reviews = _build_reviews(actor, world, rulebooks)
    claims = _build_claims(world)
    boards = _build_boards(actor, world)
    members = _build_members(world)
    competition = _build_competition(actor, world)
    # an entered holiday schedule the district may delete (the routes' year 2027 has none yet)
    HolidayYear.objects.create(year=2030, source="测试", entries="2030-01-01 元旦 放假")
    inactive = {
        street.pk: User.objects.create_user(
            f"former_{street.code.lower()}", role=Role.STREET_STAFF, scope_org=street, is_active=False
        )
        for street in (world.street_a, world.street_b)
    }
    tokens = {key: ApiToken.issue(user, "测试")[0] for key, user in world.users.items()}
    own_token_of = {role: tokens[USER_OF_ROLE[role]] for role in ROLES}
    other_token_of = dict.fromkeys(ROLES, tokens["street_b"])
    passwords = {role: PASSWORDS[USER_OF_ROLE[role]] for role in ROLES}
    jobs = {key: _finished_job(user) for key, user in world.users.items()}
    own_job_of = {role: jobs[USER_OF_ROLE[role]] for role in ROLES}
    other_job_of = {
        role: jobs["street_b" if USER_OF_ROLE[role] != "street_b" else "street_a"] for role in ROLES
    }

    def side(name: str, street: Any, branch: Any, empty_branch: Any, unit: Any, account_key: str) -> Any:
        # fetched again now that everything is built: forms send back the current lock_version
        return SimpleNamespace(
            name=name,
            street=OrgUnit.objects.get(pk=street.pk),
            branch=OrgUnit.objects.get(pk=branch.pk),
            empty_branch=OrgUnit.objects.get(pk=empty_branch.pk),
            person=Person.objects.get(home_org=branch),
            post=Post.objects.get(org=branch, role=PostRole.SECRETARY),
            unit=DispatchedUnit.objects.get(pk=unit.pk),
            evidence=evidence[branch.pk],
            veto=vetoes[branch.pk],
            account=world.users[account_key],
            inactive_account=inactive[street.pk],
            account_token=tokens[account_key],
            token_of=own_token_of if name == OWN else other_token_of,
            job_of=own_job_of if name == OWN else other_job_of,
            rulebook=rulebooks["rural"],
            draft=reviews[("draft", branch.pk)],
            submitted=reviews[("submitted", branch.pk)],
            forwarded=reviews[("forwarded", branch.pk)],
            cycle=reviews["cycle"],
            forwarded_cycle=reviews["forwarded_cycle"],
            approved_cycle=reviews["approved_cycle"],
            publishable_cycle=reviews["publishable_cycle"],
            notice_cycle=reviews["notice_cycle"],
            objection=reviews[("objection", branch.pk)],
            named_result=reviews[("named", branch.pk)],
            removal=reviews[("removal", branch.pk)],
            submitted_claim=claims[("submitted", branch.pk)],
            verified_claim=claims[("verified", branch.pk)],
            approved_claim=claims[("approved", branch.pk)],
            returned_claim=claims[("returned", branch.pk)],
            ledger=claims["ledger"],
            task=boards[branch.pk][0],
            task_note=boards[branch.pk][1],
            training=boards["training"],
            applicant=members[("applicant", branch.pk)],
            activist=members[("activist", branch.pk)],
            probationer=members[("probationer", branch.pk)],
            probation_request=members[("probation_request", branch.pk)],
            event=competition[("event", branch.pk)],
            case=competition[("case", branch.pk)],
            weak=competition[("weak", branch.pk)],
            password_of=passwords,
            year=YEAR,
        )

    own = side(OWN, world.street_a, world.village_a, world.community_a, world.unit, "street_a")
    other = side(OTHER, world.street_b, world.village_b, empty_b, world.other_unit, "street_b")
    # Routes without an object in the URL get street A's objects for their request bodies.
    return world, {OWN: own, OTHER: other, ANY: SimpleNamespace(**{**vars(own), "name": ANY})}


def _build_reviews(actor: Any, world: World, rulebooks: dict[str, Any]) -> dict[Any, Any]:
    from django.core.files.base import ContentFile

    from wuxing.reviews import services as review_services
    from wuxing.reviews.models import Assessment, NamedResult, Objection, ReviewCycle, Stage, StarRemoval
    from wuxing.rules import services as rule_services

    deadlines = {
        "self_deadline": dt.date(YEAR, 12, 15),
        "street_deadline": dt.date(YEAR, 12, 29),
        "district_deadline": dt.date(YEAR + 1, 1, 12),
    }
    opened = dt.date(YEAR, 12, 1)
    rule_services.clone_to_year(actor, rulebooks["rural"], YEAR - 1)
    rule_services.clone_to_year(actor, rulebooks["rural"], YEAR - 3)
    rule_services.clone_to_year(actor, rulebooks["community"], YEAR - 1)  # a year the district may open
    draft = review_services.open_cycle(actor, YEAR, "rural", opened_on=opened, deadlines=deadlines)
    submitted = review_services.open_cycle(actor, YEAR - 1, "rural", opened_on=opened, deadlines=deadlines)
    forwarded, approved, publishable, objected = (
        ReviewCycle.objects.create(
            year=year, kind="rural", rulebook=rulebooks["rural"], opened_on=opened, **deadlines
        )
        for year in (YEAR - 2, YEAR - 3, YEAR - 4, YEAR - 5)
    )
    notice = {"status": "notice", "notice_start": dt.date(2020, 1, 6), "notice_end": dt.date(2020, 1, 10)}
    ReviewCycle.objects.filter(pk=approved.pk).update(**notice)
    ReviewCycle.objects.filter(pk=objected.pk).update(
        status="notice", notice_start=dt.date(2019, 1, 7), notice_end=dt.date(2019, 1, 11)
    )
    for cycle in (forwarded, approved, publishable, objected):
        for org in (world.village_a, world.village_b):
            Assessment.objects.create(cycle=cycle, org=org)
    for cycle, state in (
        (draft, Stage.DRAFT),
        (submitted, Stage.SUBMITTED),
        (forwarded, Stage.STREET_REVIEWED),
        (approved, Stage.DISTRICT_APPROVED),
        (publishable, Stage.DISTRICT_APPROVED),
        (objected, Stage.DISTRICT_APPROVED),
    ):
        Assessment.objects.filter(cycle=cycle).update(state=state, target_level=3)
    out: dict[Any, Any] = {
        "cycle": draft,
        "forwarded_cycle": forwarded,
        "approved_cycle": approved,
        "publishable_cycle": publishable,
        "notice_cycle": ReviewCycle.objects.get(pk=objected.pk),
    }
    named = ReviewCycle.objects.create(
        year=YEAR - 6,
        kind="rural",
        rulebook=rulebooks["rural"],
        opened_on=opened,
        status="named",
        **deadlines,
    )
    for org in (world.village_a, world.village_b):
        out[("named", org.pk)] = NamedResult.objects.create(
            org=org,
            year=YEAR - 6,
            kind="rural",
            cycle=named,
            rulebook=rulebooks["rural"],
            level=2,
            stars=["zbgy", "cyxw"],
            points={"zbgy": "90.00", "cyxw": "85.00"},
            named_at=dt.datetime(2018, 1, 20, 10, tzinfo=dt.UTC),
        )
    for org in (world.village_a, world.village_b):
        removal = StarRemoval(
            result=out[("named", org.pk)],
            star_code="zbgy",
            removed_on=dt.date(2018, 6, 1),
            reason="测试摘星",
            evidence_name="通报.pdf",
        )
        removal.evidence.save("通报.pdf", ContentFile(b"%PDF-1.4 notice"), save=False)
        removal.save()
        out[("removal", org.pk)] = removal
    for org in (world.village_a, world.village_b):
        out[("objection", org.pk)] = Objection.objects.create(
            cycle=objected, org=org, raised_on=dt.date(2019, 1, 8), text="测试异议"
        )
    for key, cycle in (("draft", draft), ("submitted", submitted), ("forwarded", forwarded)):
        for a in Assessment.objects.filter(cycle=cycle):
            out[(key, a.org_id)] = a
    return out


def _build_claims(world: World) -> dict[Any, Any]:
    """Creation spending claims (wuxing/funds/): per village one waiting for its street and one verified."""
    from django.core.files.base import ContentFile

    from wuxing.funds.models import CreationClaim

    out: dict[Any, Any] = {}
    for org in (world.village_a, world.village_b):
        for state in ("submitted", "verified", "approved", "returned"):
            claim = CreationClaim(org=org, year=YEAR, amount="1000.00", description="宣传栏", state=state)
            claim.receipt_name = "票据.pdf"
            claim.receipt.save("票据.pdf", ContentFile(b"%PDF-1.4 receipt"), save=False)
            claim.save()
            out[(state, org.pk)] = claim
    from wuxing.funds.models import PayoutLedger

    lines = [
        {
            "street_code": "", "street": "", "org_code": org.code, "org": org.name, "item": "operating",
            "person_id": None, "person": None, "amount": "50000.00", "rule": "运转经费", "source": "",
        }
        for org in (world.village_a, world.village_b)
    ]  # fmt: skip
    out["ledger"] = PayoutLedger.objects.create(
        year=YEAR, version=1, lines=lines, total="100000.00", reason="区委常委会审定"
    )
    return out


def _build_boards(actor: Any, world: World) -> dict[Any, Any]:
    """补齐短板: one open task per village with a progress note that carries an evidence file; a central
    training session without attendance."""
    from wuxing.boards import services as board_services
    from wuxing.boards.training import create_session

    out: dict[Any, Any] = {
        "training": create_session(actor, topic="集中培训", kind="central", held_on=dt.date(YEAR, 3, 1))
    }
    for org in (world.village_a, world.village_b):
        task = board_services.create_task(
            actor, org, year=YEAR, title="发展村集体经济", deadline=dt.date(YEAR, 12, 31), owner="张三"
        )
        note = board_services.add_note(
            actor,
            task,
            "已引进合作社项目",
            SimpleUploadedFile("现场照片.pdf", b"%PDF-1.4 photo", content_type="application/pdf"),
        )
        out[org.pk] = (task, note)
    return out


def _build_members(world: World) -> dict[Any, Any]:
    """发展党员 (wuxing/members/): per village an applicant who has been talked to (next: activist), an
    activist (next: the request to confirm), and a probationary member admitted on 2023-03-01 with a
    request for full membership that nothing rests on yet (may be withdrawn)."""
    from wuxing.members.idcard import make
    from wuxing.members.models import Applicant, Document, StepEvent

    out: dict[Any, Any] = {}
    serial = 0
    for org in (world.village_a, world.village_b):
        for key, steps, start in (
            ("applicant", 2, dt.date(2023, 1, 10)),
            ("activist", 3, dt.date(2022, 1, 10)),
            ("probationer", 20, dt.date(2020, 1, 6)),
        ):
            serial += 1
            born = dt.date(1990, 1, serial)
            a = Applicant.objects.create(
                org=org, name=f"测试{key}", id_number=make("130104", born, serial, "M"), sex="M",
                birth_date=born, education="college",
            )  # fmt: skip
            days = {
                1: start,
                2: start + dt.timedelta(days=10),
                3: dt.date(2023, 8, 1) if key == "activist" else start,
            }
            for n in range(1, steps + 1):
                day = days.get(n, dt.date(2023, 3, 1) if n >= 15 else dt.date(2022, 6, 1))
                StepEvent.objects.create(applicant=a, step=n, done_on=day)
            out[(key, org.pk)] = a
            if key == "probationer":
                out[("probation_request", org.pk)] = Document.objects.create(
                    applicant=a, kind="r4", number="测试〔2024〕4号", dated=dt.date(2024, 3, 2)
                )
    return out


def _build_competition(actor: Any, world: World) -> dict[Any, Any]:
    """动态竞争: per street its own observation tour of its village; per village an open downgrade proposal
    and a designated weak branch (2023)."""
    from wuxing.competition import services as competition_services
    from wuxing.competition.models import CaseKind, CaseState, PolicyCase

    competition_services.save_parameters(actor, YEAR, {"min_level": 0}, "全部组织参加月考评")
    out: dict[Any, Any] = {}
    for street, org in ((world.street_a, world.village_a), (world.street_b, world.village_b)):
        out[("event", org.pk)] = competition_services.create_event(
            actor, title="街道观摩", held_on=dt.date(YEAR, 2, 21), organiser=street, orgs=[org],
            observers=["甲", "乙"],
        )  # fmt: skip
        out[("case", org.pk)] = PolicyCase.objects.create(
            org=org, year=YEAR, kind=CaseKind.PROPOSAL, basis="month", period=3, periods=[1, 2, 3], level=3,
            proposed_level=2, state=CaseState.OPEN, rule="测试",
        )  # fmt: skip
        out[("weak", org.pk)] = competition_services.designate_weak(
            actor, org, YEAR, dt.date(YEAR, 2, 1), "班子软弱", "调整班子"
        )
    return out


def _finished_job(user: Any) -> Any:
    """A finished export of the user's, with its file in place."""
    from wuxing.core.jobs import result_path
    from wuxing.core.models import Job

    job = Job.objects.create(
        user=user,
        kind="ratings_xlsx",
        title="导出",
        filename="导出.xlsx",
        status=Job.Status.DONE,
        done=1,
        total=1,
    )
    path = result_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK test")
    return job
