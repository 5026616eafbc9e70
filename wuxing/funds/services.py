"""Every write of funds: the district's parameters of a year, and the import of earlier years' levels.
Authority checked first, one transaction, who and why recorded (history and the decision log)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import CheckedRows, Column, ImportReport, RowError, run_checked_import
from wuxing.core.locking import CONFLICT_MESSAGE, integrity_to_validation
from wuxing.core.services import keep_writers_out, log_decision, require_perm, save_with_history
from wuxing.funds.models import ClaimState, CreationClaim, FundParameters, HistoricLevel, PayoutLedger
from wuxing.funds.parameters import DEFAULTS, parse_levels
from wuxing.orgs.models import Level, OrgUnit

PARAMETER_FIELDS = tuple(DEFAULTS)


def save_parameters(
    actor: Any,
    year: int,
    values: dict[str, Any],
    reason: str,
    *,
    expected_version: int | None = None,
) -> FundParameters:
    """Enter or change a year's parameters (district only, with a reason). With `expected_version` (what
    the form showed; 0 for a year not saved yet) a change saved by someone else in between is refused
    (EditConflict) and nothing is written."""
    require_perm(actor, "funds.manage")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间")
    if not reason.strip():
        raise ValidationError({"reason": "请填写修改原因"})
    for name in ("three_star_levels", "allowance_levels"):
        if name in values:
            try:
                levels = parse_levels(str(values[name]))
            except ValueError as exc:
                raise ValidationError({name: str(exc)}) from exc
            if not levels:
                raise ValidationError({name: "请至少填写一个星级"})
            values = {**values, name: ",".join(str(x) for x in sorted(levels))}
    with transaction.atomic():
        row = FundParameters.objects.filter(year=year).first()
        created = row is None
        if row is None:
            if expected_version:  # the form was shown a saved row that has since gone
                raise ValidationError(f"{CONFLICT_MESSAGE}：该年度参数已被删除，请刷新后重新填写")
            # version 1 once saved: a form shown the unsaved defaults (version 0) is stale from now on
            row = FundParameters(year=year, **DEFAULTS, lock_version=1)
        for name in PARAMETER_FIELDS:
            if name in values:
                setattr(row, name, values[name])
        with integrity_to_validation({"year": ("year", f"{year} 年度参数刚由他人保存，请刷新后再修改")}):
            save_with_history(row, actor, reason, expected_version=None if created else expected_version)
        log_decision(
            row, "funds.parameters", actor, to_state="created" if created else "changed", comment=reason
        )
    return row


# --- earlier years' levels (Excel) ---------------------------------------------------------------------------

HISTORY_SHEET = "往年星级"
HISTORY_COLUMNS = [
    Column("org_code", "组织编码", required=True),
    Column("year", "年度", required=True, help="平台启用前的年度，如 2021"),
    Column("level", "星级", required=True, help="0–5"),
    Column("star_removed", "当年被摘星", help="是/否（默认否）", choices=["是", "否"]),
    Column("secretary", "当年书记", help="当年年末在任的书记姓名"),
    Column("on_leadership", "书记兼任街道(镇)班子成员", help="是/否（默认否）", choices=["是", "否"]),
]
HISTORY_EXAMPLE = ["ZB001", 2021, 4, "否", "张三", "否"]
YES_NO = {"是": True, "否": False, "": False}


@dataclass
class HistoryPlan:
    rows: list[HistoricLevel]
    replace: list[tuple[int, int]]


def _whole(text: str, low: int, high: int, field: str, label: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4 or not low <= int(text) <= high:
        raise RowError(f"{label}应为 {low}–{high} 的整数", field)
    return int(text)


def _check_history(records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[HistoryPlan]:
    from wuxing.reviews.models import ReviewCycle

    orgs = {
        code.upper(): (pk, kind)
        for pk, code, kind in OrgUnit.objects.filter(level=Level.BRANCH).values_list(
            "pk", "code", "area_kind"
        )
    }
    cycles = set(ReviewCycle.objects.values_list("year", "kind"))
    existing = set(HistoricLevel.objects.values_list("org_id", "year"))
    checked: CheckedRows[HistoryPlan] = CheckedRows(HistoryPlan([], []))
    seen: dict[tuple[int, int], int] = {}
    for rownum, record in records:
        try:
            code = str(record.get("org_code") or "").strip()
            found = orgs.get(code.upper())
            if found is None:
                raise RowError(f"找不到村/社区党组织“{code}”", "org_code")
            org_id, kind = found
            year = _whole(str(record.get("year") or ""), YEAR_MIN, YEAR_MAX, "year", "年度")
            if (year, kind) in cycles:
                raise RowError(f"{year} 年已在平台上评星，以平台的评星结果为准，不能导入", "year")
            level = _whole(str(record.get("level") or ""), 0, 5, "level", "星级")
            flags = {}
            for key, label in (("star_removed", "当年被摘星"), ("on_leadership", "书记兼任街道(镇)班子成员")):
                text = str(record.get(key) or "").strip()
                if text not in YES_NO:
                    raise RowError(f"{label}应填“是”或“否”", key)
                flags[key] = YES_NO[text]
            secretary = str(record.get("secretary") or "").strip()
            if len(secretary) > 50:
                raise RowError("书记姓名不能超过 50 个字", "secretary")
            if (org_id, year) in seen:
                raise RowError(f"与第{seen[(org_id, year)]}行重复（同一组织同一年度）", "year")
        except RowError as exc:
            checked.problems.append((rownum, exc))
            continue
        seen[(org_id, year)] = rownum
        if (org_id, year) in existing:
            checked.updated += 1
            checked.plan.replace.append((org_id, year))
        else:
            checked.created += 1
        checked.plan.rows.append(
            HistoricLevel(
                org_id=org_id, year=year, level=level, star_removed=flags["star_removed"],
                secretary=secretary, secretary_on_street_leadership=flags["on_leadership"],
                source=HistoricLevel.Source.IMPORT,
            )
        )  # fmt: skip
    return checked


def import_history(actor: Any, fileobj: Any, reason: str = "") -> ImportReport:
    """Import earlier years' official levels and secretaries: all or nothing; a row of an organisation and
    year imported before replaces it (its history keeps the old one)."""
    require_perm(actor, "funds.manage")

    def write(checked: CheckedRows[HistoryPlan]) -> None:
        from simple_history.utils import bulk_create_with_history

        from wuxing.core.services import real_user
        from wuxing.orgs.services import district_root

        why = reason or "往年星级导入"
        replace = set(checked.plan.replace)
        if replace:
            # a re-import replaces rows one by one, so that each deletion keeps its history (who, why)
            olds = HistoricLevel.objects.filter(year__in={y for _o, y in replace})
            for old in (o for o in olds if (o.org_id, o.year) in replace):
                old._history_user = real_user(actor)  # type: ignore[attr-defined]
                old._change_reason = why  # type: ignore[attr-defined]
                old.delete()
        bulk_create_with_history(
            checked.plan.rows, HistoricLevel, default_user=real_user(actor), default_change_reason=why
        )
        log_decision(
            district_root(),
            "funds.history_import",
            actor,
            to_state="imported",
            comment=f"导入往年星级：新增 {checked.created}，替换 {checked.updated}"
            + (f"（{reason}）" if reason else ""),
        )

    return run_checked_import(
        fileobj,
        HISTORY_COLUMNS,
        _check_history,
        write,
        sheet=HISTORY_SHEET,
        lock=lambda: keep_writers_out(HistoricLevel),
    )


# --- creation spending claims (创建经费) ---------------------------------------------------------------------

CLAIM_MAX = Decimal("99999999.99")
# action → (states it starts from, state it leads to, permission, comment required)
CLAIM_ACTIONS: dict[str, tuple[tuple[str, ...], str, str, bool]] = {
    "verify": ((ClaimState.SUBMITTED,), ClaimState.VERIFIED, "funds.verify_claim", False),
    "return": ((ClaimState.SUBMITTED, ClaimState.VERIFIED), ClaimState.RETURNED, "funds.verify_claim", True),
    "approve": ((ClaimState.VERIFIED,), ClaimState.APPROVED, "funds.manage", False),
    # the district takes an approved claim back (with the reason); it is then verified, not counted
    "reopen": ((ClaimState.APPROVED,), ClaimState.VERIFIED, "funds.manage", True),
}
ACTION_LABELS = {
    "verify": "核实",
    "return": "退回",
    "approve": "批准",
    "reopen": "撤回批准",
    "resubmit": "更正后重新申报",
}
ACTION_TEXT = {"funds.claim_submit": "申报", **{f"funds.claim_{k}": v for k, v in ACTION_LABELS.items()}}
COMMENT_REQUIRED = {"return": "退回时请填写意见", "reopen": "撤回批准时请填写原因"}


def submit_claim(
    actor: Any, org: OrgUnit, year: int, amount: Decimal, description: str, receipt: Any
) -> CreationClaim:
    """A branch's creation spending with its receipt (the secretary of the organisation, its street, the
    district). Checked first; nothing is written when anything is wrong."""
    from wuxing.core.uploads import check_evidence

    require_perm(actor, "funds.submit_claim", org)
    if org.level != Level.BRANCH:
        raise ValidationError({"org": "只能为村/社区党组织申报"})
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError({"year": f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间"})
    if not Decimal("0") < amount <= CLAIM_MAX:
        raise ValidationError({"amount": f"支出金额应大于 0 且不超过 {CLAIM_MAX:,.2f} 元"})
    if not description.strip():
        raise ValidationError({"description": "请填写支出内容"})
    check_evidence(receipt)
    name = str(getattr(receipt, "name", "") or "票据")[-200:]
    with transaction.atomic():
        claim = CreationClaim(
            org=org, year=year, amount=amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            description=description.strip(), receipt_name=name,
        )  # fmt: skip
        claim.receipt.save(name, receipt, save=False)
        save_with_history(claim, actor, "申报创建经费")
        log_decision(claim, "funds.claim_submit", actor, to_state=ClaimState.SUBMITTED, comment=description)
    return claim


def claim_transition(
    actor: Any, claim: CreationClaim, action: str, comment: str = "", *, expected_version: int | None = None
) -> CreationClaim:
    """Verify (the street of the organisation, or the district), return (the same, with a comment) or
    approve (the district) a claim. A refused action changes nothing and says why."""
    if action not in CLAIM_ACTIONS:
        raise ValidationError("未知的操作")
    starts, to_state, perm, needs_comment = CLAIM_ACTIONS[action]
    require_perm(actor, perm, claim.org)
    if needs_comment and not comment.strip():
        raise ValidationError({"comment": COMMENT_REQUIRED[action]})
    with transaction.atomic():
        from wuxing.core.locking import check_version

        check_version(claim, expected_version)
        claim.refresh_from_db()
        if claim.state not in starts:
            label = ClaimState(claim.state).label
            raise ValidationError(f"该申报现在是“{label}”，不能{ACTION_LABELS[action]}")
        from_state = claim.state
        claim.state = to_state
        claim.comment = comment.strip()
        save_with_history(claim, actor, f"{ACTION_LABELS[action]}：{comment}".rstrip("："))
        log_decision(
            claim, f"funds.claim_{action}", actor, from_state=from_state, to_state=to_state, comment=comment
        )
    return claim


def resubmit_claim(
    actor: Any,
    claim: CreationClaim,
    amount: Decimal,
    description: str,
    receipt: Any = None,
    comment: str = "",
    *,
    expected_version: int | None = None,
) -> CreationClaim:
    """A returned claim, corrected and submitted again (the same claim: its history keeps every version).
    The same people as for a new claim; the receipt is kept unless a new one is given."""
    from wuxing.core.locking import check_version
    from wuxing.core.uploads import check_evidence

    require_perm(actor, "funds.submit_claim", claim.org)
    if not Decimal("0") < amount <= CLAIM_MAX:
        raise ValidationError({"amount": f"支出金额应大于 0 且不超过 {CLAIM_MAX:,.2f} 元"})
    if not description.strip():
        raise ValidationError({"description": "请填写支出内容"})
    if receipt is not None:
        check_evidence(receipt)
    with transaction.atomic():
        check_version(claim, expected_version)
        claim.refresh_from_db()
        if claim.state != ClaimState.RETURNED:
            label = ClaimState(claim.state).label
            raise ValidationError(f"该申报现在是“{label}”，只有已退回的申报可以更正后重新申报")
        old = f"{claim.amount:,.2f} 元，{claim.description}"
        claim.amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        claim.description = description.strip()
        if receipt is not None:
            name = str(getattr(receipt, "name", "") or "票据")[-200:]
            claim.receipt_name = name
            claim.receipt.save(name, receipt, save=False)
        claim.state = ClaimState.SUBMITTED
        claim.comment = ""
        why = f"更正后重新申报（原：{old}）" + (f"：{comment.strip()}" if comment.strip() else "")
        save_with_history(claim, actor, why[:100])
        log_decision(
            claim, "funds.claim_resubmit", actor, from_state=ClaimState.RETURNED,
            to_state=ClaimState.SUBMITTED, comment=why,
        )  # fmt: skip
    return claim


# --- approved payout ledgers ----------------------------------------------------------------------------------


def approve_ledger(actor: Any, year: int, reason: str, *, expected_version: int) -> PayoutLedger:
    """Approve the year's ledger as it is computed now, as a new version (district only, with a reason).
    `expected_version` is the latest approved version the page showed (0: none); a version approved in
    between is refused, and so is a ledger that does not differ from the latest version."""
    from wuxing.core.services import real_user
    from wuxing.funds.queries import entitlements, line_key, stored_line

    require_perm(actor, "funds.manage")
    if not reason.strip():
        raise ValidationError({"reason": "请填写批准说明"})
    with transaction.atomic():
        keep_writers_out(PayoutLedger)
        latest = PayoutLedger.objects.filter(year=year).order_by("-version").first()
        current = latest.version if latest else 0
        if current != expected_version:
            raise ValidationError(
                f"{CONFLICT_MESSAGE}：{year} 年度台账已有第{current}版，请刷新页面核对差异后再批准"
            )
        result = entitlements(actor, year)
        if result.provisional:
            raise ValidationError(
                f"{year} 年度（或连续年数内）的评星尚未命名，星级为预估（未命名），预估款项不能批准；"
                "命名后再批准发放台账"
            )
        if result.outcome.missing:
            raise ValidationError("尚有款项因缺少参数未计算，请先在参数页录入：" + result.outcome.missing[0])
        lines = [stored_line(line) for line in result.lines]
        if latest is not None and {line_key(x): x for x in latest.lines} == {line_key(x): x for x in lines}:
            raise ValidationError(f"与第{current}版相同，无需重新批准")
        ledger = PayoutLedger.objects.create(
            year=year, version=current + 1, lines=lines, total=result.total, reason=reason.strip(),
            approved_by=real_user(actor),
        )  # fmt: skip
        log_decision(
            ledger, "funds.ledger_approve", actor, from_state=f"v{current}" if current else "",
            to_state=f"v{current + 1}", comment=reason,
        )  # fmt: skip
    return ledger
