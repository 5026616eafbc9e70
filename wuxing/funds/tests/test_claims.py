"""创建经费: a branch submits spending with a receipt, its street verifies, the district approves; the
approved spending of the year is subsidised for eligible levels. Refused actions change nothing."""

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


def receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice", content_type="application/pdf")


def state() -> Any:
    return (
        list(CreationClaim.objects.order_by("pk").values_list("pk", "state", "lock_version", "comment")),
        DecisionLog.objects.count(),
    )


def submit(world: Any, user: str = "secretary_a", amount: str = "12345.67", org: Any = None) -> Any:
    return services.submit_claim(
        world.users[user], org or world.village_a, 2024, Decimal(amount), "党群服务中心改造", receipt()
    )


def test_submit_verify_approve_and_the_subsidy(world: Any) -> None:
    claim = submit(world)
    assert claim.state == "submitted" and claim.receipt_name == "发票.pdf"
    services.claim_transition(world.users["street_a"], claim, "verify", expected_version=claim.lock_version)
    services.claim_transition(world.users["admin"], claim, "approve", expected_version=claim.lock_version)
    submit(world, amount="654.33")  # not approved: not counted
    HistoricLevel.objects.create(org=world.village_a, year=2024, level=4)
    (line,) = [x for x in queries.entitlements(world.users["admin"], 2024).lines if x.item == engine.CREATION]
    assert line.amount == Decimal("8641.97")  # 12,345.67 × 70%, half up
    actions = list(DecisionLog.objects.filter(object_id=str(claim.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["funds.claim_approve", "funds.claim_submit", "funds.claim_verify"]


def test_refusals_change_nothing(world: Any) -> None:
    claim = submit(world)
    before = state()
    refused = [
        ("secretary_a", "verify", PermissionDenied),  # the secretary does not verify her own spending
        ("leader", "verify", PermissionDenied),
        ("street_b", "verify", PermissionDenied),  # another street
        ("street_a", "approve", PermissionDenied),  # only the district approves
        ("admin", "approve", ValidationError),  # not verified yet
        ("street_a", "return", ValidationError),  # a return needs a comment
    ]
    for user, action, error in refused:
        with pytest.raises(error):
            services.claim_transition(world.users[user], claim, action)
        claim.refresh_from_db()
    with pytest.raises(EditConflict):
        services.claim_transition(
            world.users["street_a"], claim, "verify", expected_version=claim.lock_version + 1
        )
    with pytest.raises(PermissionDenied):
        submit(world, user="secretary_a", org=world.village_b)
    with pytest.raises(ValidationError):
        submit(world, amount="0")
    with pytest.raises(ValidationError):
        services.submit_claim(
            world.users["admin"], world.village_a, 2024, Decimal("10"), "x",
            SimpleUploadedFile("a.pdf", b"MZ not a pdf"),
        )  # fmt: skip
    assert state() == before


def test_pages(world: Any, client: Any) -> None:
    client.force_login(world.users["secretary_a"])
    response = client.post(
        "/funds/claims/",
        {
            "org": world.village_a.pk,
            "year": "2024",
            "amount": "100.5",
            "description": "宣传栏",
            "receipt": receipt(),
        },
    )
    assert response.status_code == 302
    claim = CreationClaim.objects.get(description="宣传栏")
    assert claim.amount == Decimal("100.50")
    assert submit(world, user="admin", amount="100.005").amount == Decimal("100.01")  # half up to the fen
    client.force_login(world.users["secretary_a"])
    assert "宣传栏" in client.get("/funds/claims/").content.decode()
    client.force_login(world.users["street_a"])
    client.post(
        f"/funds/claims/{claim.pk}/return/", {"comment": "票据不清", "lock_version": claim.lock_version}
    )
    claim.refresh_from_db()
    assert (claim.state, claim.comment) == ("returned", "票据不清")
    page = client.get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "退回（→ 已退回） 票据不清" in page
    client.force_login(world.users["street_b"])
    assert client.get(f"/funds/claims/{claim.pk}/").status_code == 404
