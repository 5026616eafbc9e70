"""A returned claim is corrected and resubmitted (the same claim, its versions kept); the district reopens
an approved claim with a reason and the subsidy line follows; the claims API does the same with the same
authority. Refused actions change nothing; a race is a Chinese message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.funds import engine, queries, services
from wuxing.funds.models import CreationClaim, HistoricLevel

pytestmark = pytest.mark.django_db
YEAR = 2024


def receipt(name: str = "发票.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 invoice", content_type="application/pdf")


def db_state() -> Any:
    return (
        list(
            CreationClaim.objects.order_by("pk").values_list(
                "pk", "state", "lock_version", "comment", "amount", "description", "receipt_name"
            )
        ),
        DecisionLog.objects.count(),
        CreationClaim.history.count(),
    )


def claim_in(world: Any, state: str, amount: str = "10000.00", org: Any = None) -> CreationClaim:
    admin = world.users["admin"]
    claim = services.submit_claim(admin, org or world.village_a, YEAR, Decimal(amount), "党建阵地", receipt())
    if state in ("verified", "approved"):
        services.claim_transition(admin, claim, "verify")
    if state == "approved":
        services.claim_transition(admin, claim, "approve")
    if state == "returned":
        services.claim_transition(admin, claim, "return", "票据不清")
    claim.refresh_from_db()
    return claim


def subsidy(world: Any) -> list[Decimal]:
    lines = queries.entitlements(world.users["admin"], YEAR, item=engine.CREATION).lines
    return [line.amount for line in lines]


def test_a_returned_claim_is_corrected_and_resubmitted_keeping_its_versions(world: Any) -> None:
    claim = claim_in(world, "returned", "12600.00")
    version = claim.lock_version
    services.resubmit_claim(
        world.users["secretary_a"], claim, Decimal("12060.004"), " 宣传栏 ", receipt("新发票.pdf"), "按票据更正",
        expected_version=version,
    )  # fmt: skip
    claim.refresh_from_db()
    assert (claim.pk, claim.state, claim.amount, claim.description, claim.receipt_name, claim.comment) == (
        claim.pk, "submitted", Decimal("12060.00"), "宣传栏", "新发票.pdf", ""
    )  # fmt: skip
    versions = queries.claim_versions(claim)
    assert [v.amount for v in versions[:2]] == [Decimal("12060.00"), Decimal("12600.00")]
    assert "原：12,600.00 元" in versions[0].why and "按票据更正" in versions[0].why
    log = DecisionLog.objects.filter(object_id=str(claim.pk), action="funds.claim_resubmit").get()
    assert (log.from_state, log.to_state) == ("returned", "submitted")
    # verified and approved again: the subsidy reads the corrected amount
    HistoricLevel.objects.create(org=world.village_a, year=YEAR, level=4)
    services.claim_transition(world.users["street_a"], claim, "verify")
    services.claim_transition(world.users["admin"], claim, "approve")
    assert subsidy(world) == [Decimal("8442.00")]  # 12,060.00 × 70%


def test_reopening_an_approved_claim_takes_its_subsidy_back(world: Any) -> None:
    HistoricLevel.objects.create(org=world.village_a, year=YEAR, level=5)
    claim = claim_in(world, "approved", "10000.01")
    other = claim_in(world, "approved", "0.01")
    assert subsidy(world) == [Decimal("7000.01")]  # (10,000.01 + 0.01) × 70% = 7,000.014 → 7,000.01
    services.claim_transition(
        world.users["admin"], other, "reopen", "重复报销", expected_version=other.lock_version
    )
    other.refresh_from_db()
    assert (other.state, other.comment) == ("verified", "重复报销")
    assert subsidy(world) == [Decimal("7000.01")]  # 10,000.01 × 70% = 7,000.007 → 7,000.01
    services.claim_transition(world.users["admin"], claim, "reopen", "票据待核")
    assert subsidy(world) == []
    assert DecisionLog.objects.filter(action="funds.claim_reopen").count() == 2


def test_refused_resubmits_and_reopens_change_nothing(world: Any) -> None:
    returned = claim_in(world, "returned")
    approved = claim_in(world, "approved")
    submitted = claim_in(world, "submitted")
    returned_b = claim_in(world, "returned", org=world.village_b)
    before = db_state()
    refusals = [
        (PermissionDenied, lambda: services.claim_transition(world.users["street_a"], approved, "reopen", "x")),
        (PermissionDenied, lambda: services.claim_transition(world.users["leader"], approved, "reopen", "x")),
        (PermissionDenied, lambda: services.claim_transition(world.users["secretary_a"], approved, "reopen", "x")),
        (ValidationError, lambda: services.claim_transition(world.users["admin"], approved, "reopen", " ")),
        (ValidationError, lambda: services.claim_transition(world.users["admin"], submitted, "reopen", "x")),
        (PermissionDenied, lambda: services.resubmit_claim(world.users["secretary_a"], returned_b, Decimal("1"), "x")),
        (PermissionDenied, lambda: services.resubmit_claim(world.users["street_b"], returned, Decimal("1"), "x")),
        (PermissionDenied, lambda: services.resubmit_claim(world.users["leader"], returned, Decimal("1"), "x")),
        (ValidationError, lambda: services.resubmit_claim(world.users["admin"], submitted, Decimal("1"), "x")),
        (ValidationError, lambda: services.resubmit_claim(world.users["admin"], returned, Decimal("0"), "x")),
        (ValidationError, lambda: services.resubmit_claim(world.users["admin"], returned, Decimal("1"), " ")),
        (
            ValidationError,
            lambda: services.resubmit_claim(
                world.users["admin"], returned, Decimal("1"), "x", SimpleUploadedFile("a.pdf", b"MZ exe")
            ),
        ),
    ]  # fmt: skip
    for error, action in refusals:
        with pytest.raises(error):
            action()
    assert db_state() == before


def test_a_race_is_a_chinese_message_and_changes_nothing(world: Any, client: Any) -> None:
    claim = claim_in(world, "returned")
    stale = claim.lock_version
    services.resubmit_claim(world.users["admin"], claim, Decimal("99"), "先改", expected_version=stale)
    before = db_state()
    with pytest.raises(EditConflict, match="已被他人修改"):
        services.resubmit_claim(
            world.users["secretary_a"], claim, Decimal("98"), "后改", expected_version=stale
        )
    assert db_state() == before
    client.force_login(world.users["secretary_a"])
    response = client.post(
        f"/funds/claims/{claim.pk}/resubmit/", {"amount": "98", "description": "后改", "lock_version": stale},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert db_state() == before


def test_pages_resubmit_reopen_and_show_the_versions(world: Any, client: Any) -> None:
    claim = claim_in(world, "returned", "500.00")
    client.force_login(world.users["secretary_a"])
    page = client.get(f"/funds/claims/{claim.pk}/").content.decode()
    assert 'id="resubmit"' in page and 'id="reopen"' not in page
    response = client.post(
        f"/funds/claims/{claim.pk}/resubmit/",
        {"amount": "450.5", "description": "宣传栏（更正）", "lock_version": claim.lock_version, "receipt": receipt("b.pdf")},
    )  # fmt: skip
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.amount, claim.receipt_name) == ("submitted", Decimal("450.50"), "b.pdf")
    page = client.get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "450.50" in page and "500.00" in page and "更正后重新申报" in page
    admin = world.users["admin"]
    services.claim_transition(admin, claim, "verify")
    services.claim_transition(admin, claim, "approve")
    claim.refresh_from_db()
    client.force_login(admin)
    assert 'id="reopen"' in client.get(f"/funds/claims/{claim.pk}/").content.decode()
    client.post(f"/funds/claims/{claim.pk}/reopen/", {"comment": "重复", "lock_version": claim.lock_version})
    claim.refresh_from_db()
    assert claim.state == "verified"
    client.force_login(world.users["street_a"])
    assert (
        client.post(f"/funds/claims/{claim.pk}/reopen/", {"comment": "x", "lock_version": 9}).status_code
        == 403
    )
    client.force_login(world.users["street_b"])
    assert (
        client.post(f"/funds/claims/{claim.pk}/reopen/", {"comment": "x", "lock_version": 9}).status_code
        == 404
    )


def test_the_claims_api_lists_in_scope_and_acts_like_the_pages(world: Any, bearer: Any) -> None:
    a = claim_in(world, "submitted", "100.00")
    b = claim_in(world, "approved", "200.00", org=world.village_b)
    got = bearer("street_a").get("/api/v1/claims").json()
    assert [row["id"] for row in got["items"]] == [a.pk]
    assert got["items"][0]["amount"] == "100.00" and got["items"][0]["state"] == "submitted"
    assert bearer("secretary_a").get("/api/v1/claims?state=approved").json()["count"] == 0
    assert [r["id"] for r in bearer("admin").get("/api/v1/claims?street=BZ").json()["items"]] == [b.pk]
    assert bearer("admin").get("/api/v1/claims?org_code=zb001&year=2024").json()["count"] == 1
    assert bearer("street_a").get("/api/v1/claims?street=BZ").status_code == 404
    # verify: the street of the organisation; another street cannot see it
    before = db_state()
    assert (
        bearer("street_b")
        .post(
            f"/api/v1/claims/{a.pk}/verify", {"lock_version": a.lock_version}, content_type="application/json"
        )
        .status_code
        == 404
    )
    assert (
        bearer("secretary_a")
        .post(
            f"/api/v1/claims/{a.pk}/verify", {"lock_version": a.lock_version}, content_type="application/json"
        )
        .status_code
        == 403
    )
    stale = bearer("street_a").post(
        f"/api/v1/claims/{a.pk}/verify", {"lock_version": a.lock_version + 1}, content_type="application/json"
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    refused = bearer("admin").post(
        f"/api/v1/claims/{b.pk}/reopen", {"lock_version": b.lock_version}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["errors"]["comment"] == "撤回批准时请填写原因"
    assert db_state() == before
    ok = bearer("street_a").post(
        f"/api/v1/claims/{a.pk}/return", {"comment": "金额有误", "lock_version": a.lock_version},
        content_type="application/json",
    ).json()  # fmt: skip
    assert (ok["state"], ok["comment"]) == ("returned", "金额有误")
    again = bearer("secretary_a").post(
        f"/api/v1/claims/{a.pk}/resubmit",
        {"amount": "90.10", "description": "更正", "lock_version": ok["lock_version"]},
        content_type="application/json",
    ).json()  # fmt: skip
    assert (again["state"], again["amount"], again["receipt_name"]) == ("submitted", "90.10", "发票.pdf")
    reopened = bearer("admin").post(
        f"/api/v1/claims/{b.pk}/reopen", {"comment": "重复", "lock_version": b.lock_version},
        content_type="application/json",
    ).json()  # fmt: skip
    assert reopened["state"] == "verified"
