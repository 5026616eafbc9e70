"""Every write of 动态竞争: parameters and goals, checklist versions, monthly scores (Excel), observation
events and their scores, the last-place policy's cases and the district's decisions on them, the reserve
pool and weak branches. Authority checked first, one transaction, who and why recorded (history and the
decision log); a refused action changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wuxing.competition import engine
from wuxing.competition.models import (
    CaseKind,
    CaseState,
    Checklist,
    CompetitionParameters,
    MonthlyScore,
    ObservationEvent,
    ObservationScore,
    ObservationStop,
    PolicyCase,
    ReserveCandidate,
    WeakBranch,
    WeakState,
)
from wuxing.competition.parameters import DEFAULTS
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import CheckedRows, Column, ImportReport, RowError, run_checked_import
from wuxing.core.locking import (
    CONFLICT_MESSAGE,
    check_version,
    entered_meanwhile,
    integrity_to_validation,
)
from wuxing.core.numbers import NumberError, parse_decimal
from wuxing.core.services import keep_writers_out, log_decision, real_user, require_perm, save_with_history
from wuxing.core.text import excerpt
from wuxing.orgs.models import Level, OrgUnit

PARAMETER_FIELDS = tuple(DEFAULTS)


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间")


def save_parameters(
    actor: Any, year: int, values: dict[str, Any], reason: str, *, expected_version: int | None = None
) -> CompetitionParameters:
    """Enter or change a year's parameters and goals (district only, with a reason; version-checked)."""
    require_perm(actor, "competition.manage")
    _check_year(year)
    if not reason.strip():
        raise ValidationError({"reason": "请填写修改原因"})
    with transaction.atomic():
        row = CompetitionParameters.objects.filter(year=year).first()
        created = row is None
        if row is None:
            if expected_version:
                raise ValidationError(f"{CONFLICT_MESSAGE}：该年度参数已被删除，请刷新后重新填写")
            row = CompetitionParameters(year=year, **DEFAULTS, lock_version=1)
        for name in PARAMETER_FIELDS:
            if name in values:
                setattr(row, name, values[name])
        if row.monthly_weight + row.observation_weight <= 0:
            raise ValidationError({"monthly_weight": "两项权重不能都为 0"})
        with integrity_to_validation({"year": ("year", f"{year} 年度参数刚由他人保存，请刷新后再修改")}):
            save_with_history(row, actor, reason, expected_version=None if created else expected_version)
        log_decision(
            row, "competition.parameters", actor, to_state="created" if created else "changed", comment=reason
        )
    return row


# --- the monthly checklist ------------------------------------------------------------------------------------


def parse_items(text: str) -> list[dict[str, Any]]:
    """Lines “编码|项目|分值” → items; ValidationError with the line number when a line is wrong. The
    points must add up to 100."""
    items: list[dict[str, Any]] = []
    codes: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 3:
            raise ValidationError({"items": f"第{n}行应为“编码|项目|分值”"})
        code, name, raw = parts
        if not (code.isascii() and code.isalnum() and len(code) <= 20):
            raise ValidationError({"items": f"第{n}行：编码应为不超过 20 位的字母或数字"})
        if code in codes:
            raise ValidationError({"items": f"第{n}行：编码“{code}”重复"})
        if not name or len(name) > 100:
            raise ValidationError({"items": f"第{n}行：请填写不超过 100 字的项目名称"})
        try:
            points = Decimal(raw)
        except InvalidOperation:
            points = Decimal(-1)
        if (
            not points.is_finite()
            or not Decimal(0) < points <= 100
            or points != points.quantize(Decimal("0.1"))
        ):
            raise ValidationError({"items": f"第{n}行：分值应为 0–100 的数（最多一位小数）"})
        codes.add(code)
        items.append({"code": code, "name": name, "points": float(points) if points % 1 else int(points)})
    if not items:
        raise ValidationError({"items": "请至少填写一个考评项目"})
    total = sum(Decimal(str(i["points"])) for i in items)
    if total != 100:
        raise ValidationError({"items": f"各项分值合计应为 100，现为 {total}"})
    return items


def save_checklist(
    actor: Any, year: int, items: list[dict[str, Any]], reason: str, *, official: bool = False,
    expected_version: int | None = None,
) -> Checklist:  # fmt: skip
    """A new version of the year's checklist (district only). Scores entered before keep their version."""
    require_perm(actor, "competition.manage")
    _check_year(year)
    if not reason.strip():
        raise ValidationError({"reason": "请填写修改原因"})
    with transaction.atomic():
        keep_writers_out(Checklist)
        latest = Checklist.objects.filter(year=year).order_by("-version").first()
        current = latest.version if latest else 0
        if expected_version is not None and current != expected_version:
            raise ValidationError(f"{CONFLICT_MESSAGE}：{year} 年度细则已有第{current}版，请刷新后再保存")
        row = Checklist.objects.create(
            year=year, version=current + 1, items=items, official=official, reason=reason.strip(),
            created_by=real_user(actor),
        )  # fmt: skip
        log_decision(row, "competition.checklist", actor, to_state=f"v{row.version}", comment=reason)
    return row


def ensure_checklist(actor: Any, year: int) -> Checklist:
    """The year's latest checklist, saving the default as version 1 when there is none yet."""
    from wuxing.competition.parameters import DEFAULT_CHECKLIST

    latest = Checklist.objects.filter(year=year).order_by("-version").first()
    if latest is not None:
        return latest
    row = Checklist.objects.create(
        year=year, version=1, items=DEFAULT_CHECKLIST, official=False, reason="默认细则（非官方）",
        created_by=real_user(actor),
    )  # fmt: skip
    log_decision(row, "competition.checklist", actor, to_state="v1", comment="默认细则（非官方）")
    return row


# --- monthly scores (Excel) -----------------------------------------------------------------------------------

MONTHLY_SHEET = "月考评"


def monthly_columns(checklist: Checklist) -> list[Column]:
    cols = [
        Column("org_code", "组织编码", required=True),
        Column("org_name", "组织名称", help="仅供核对，导入时不读取", width=24),
        Column("month", "月份", required=True, help="1–12"),
        Column("scored_by", "评分人/评分组", help="如 街道考评组"),
    ]
    for item in checklist.items:
        cols.append(
            Column(
                f"item.{item['code']}",
                f"{item['name']}（满分{item['points']}） [{item['code']}]",
                required=True,
                help=f"0–{item['points']}，最多两位小数",
                width=20,
            )
        )
    return cols


@dataclass
class MonthlyPlan:
    create: list[MonthlyScore] = field(default_factory=list)
    update: list[MonthlyScore] = field(default_factory=list)
    months: set[int] = field(default_factory=set)


def _points(raw: Any, maximum: Decimal) -> Decimal:
    """A score typed or read from Excel, 0–``maximum`` with at most two decimals, through the project's
    number rule (`core.numbers.parse_decimal`: full-width digits and thousands separators read, no
    exponent). Raises ValueError with the Chinese reason without the item's name."""
    try:
        value = parse_decimal(raw, int_digits=len(str(int(maximum))), places=2)
    except NumberError as exc:
        if exc.kind == "places":
            raise ValueError("最多两位小数") from None
        if exc.kind == "too_big":
            raise ValueError(f"应在 0–{maximum} 之间") from None
        raise ValueError("应为数字" if exc.kind == "form" else f"应为数字，{exc}") from None
    if not Decimal(0) <= value <= maximum:
        raise ValueError(f"应在 0–{maximum} 之间")
    return value.quantize(Decimal("0.01"))


def monthly_points(raw: Any, maximum: Decimal, key: str, label: str) -> Decimal:
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise RowError(f"请填写{label}（0–{maximum}）", key)
    try:
        return _points(raw if isinstance(raw, int | float | Decimal) else text, maximum)
    except ValueError as exc:
        raise RowError(f"{label}{exc}", key) from None


def checklist_rows(plan: MonthlyPlan) -> list[MonthlyScore]:
    return [*plan.create, *plan.update]


def require_monthly_scorer(actor: Any) -> None:
    """Monthly scores are entered by the district and by street staff (each for its own organisations)."""
    if actor is None or not (
        actor.has_perm("competition.manage") or getattr(actor, "role", "") == "street_staff"
    ):
        raise PermissionDenied("您没有权限执行此操作")


class MonthlyChecks:
    """What one month's score of one organisation must satisfy — who may score whom, taking part in the
    year, the month, the scorer, each item's bounds — for one actor and year. The import checks each row
    with it and the one-organisation form its one month, so both refuse the same things in the same words
    (§81). Reads once (the year's participating organisations the actor sees), then answers in Python;
    every refusal is a ``RowError`` naming its column key (``org_code``, ``month``, ``scored_by``,
    ``item.<code>``)."""

    def __init__(self, actor: Any, year: int, checklist: Checklist) -> None:
        from wuxing.competition.queries import eligible

        self.actor = actor
        self.year = year
        self.checklist = checklist
        self.items = [(f"item.{i['code']}", i["name"], Decimal(str(i["points"]))) for i in checklist.items]
        self.allowed = {info.code.upper(): info.pk for info, _lvl, _src in eligible(actor, year)}
        self.manager = bool(actor.has_perm("competition.manage"))
        self._participants = set(self.allowed.values())
        self._codes: set[str] | None = None
        self._paths: dict[int, str] = {}

    def _path_of(self, org_id: int) -> str:
        if not self._paths:
            self._paths.update(OrgUnit.objects.filter(level=Level.BRANCH).values_list("pk", "path"))
        return self._paths.get(org_id, "")

    def may_score(self, org_id: int, path: str | None = None) -> bool:
        """The actor's authority over the organisation (the district: any; a street: its own)."""
        if self.manager:
            return True
        org = OrgUnit(pk=org_id, path=self._path_of(org_id) if path is None else path)
        return bool(self.actor.has_perm("competition.score", org))

    def org_by_code(self, raw: Any) -> int:
        """The organisation a row names by its code, which the actor may score and which takes part."""
        code = str(raw or "").strip().upper()
        org_id = self.allowed.get(code)
        if org_id is None:
            if self._codes is None:
                codes = OrgUnit.objects.filter(level=Level.BRANCH).order_by().values_list("code", flat=True)
                self._codes = {c.upper() for c in codes}
            if code in self._codes:
                raise RowError(f"“{code}”不在本年度月考评范围内，或您无权为其评分", "org_code")
            raise RowError(f"找不到村/社区党组织“{excerpt(code, 40)}”", "org_code")
        if not self.may_score(org_id):
            raise RowError("您无权为该组织评分", "org_code")
        return org_id

    def takes_part(self, org: OrgUnit) -> None:
        """The form's organisation: the actor may score it (else PermissionDenied) and it takes part."""
        if not self.may_score(org.pk, org.path):
            raise PermissionDenied("您无权为该组织评分")
        if org.pk not in self._participants:
            raise RowError(f"“{org.name}”不在 {self.year} 年度月考评范围内", "org_code")

    @staticmethod
    def month(raw: Any) -> int:
        text = str(raw if raw is not None else "").strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 12):
            raise RowError("月份应为 1–12 的整数", "month")
        return int(text)

    @staticmethod
    def scored_by(raw: Any) -> str:
        text = str(raw or "").strip()
        if len(text) > 100:
            raise RowError("评分人/评分组不能超过 100 个字", "scored_by")
        return text

    def item_points(self, record: dict[str, Any], *, all_errors: bool = False) -> dict[str, str]:
        """Item code → points ("12.50") from ``record`` keyed ``item.<code>``. The first wrong item raises;
        with ``all_errors`` every wrong item is reported at once (a ValidationError keyed by the item key)."""
        out: dict[str, str] = {}
        errors: dict[str, str] = {}
        for key, label, maximum in self.items:
            try:
                out[key[5:]] = str(monthly_points(record.get(key), maximum, key, label))
            except RowError as exc:
                if not all_errors:
                    raise
                errors[key] = exc.message
        if errors:
            raise ValidationError(errors)
        return out


def _row_to_validation(exc: RowError) -> ValidationError:
    return ValidationError({exc.field: exc.message}) if exc.field else ValidationError(exc.message)


def import_monthly(actor: Any, fileobj: Any, year: int, reason: str = "") -> ImportReport:
    """Import a year's monthly scores: all or nothing. A row names an organisation taking part in the
    year's evaluation that the importer may score (its street's, or any for the district) and a month;
    every checklist item is required (MonthlyChecks, shared with the one-organisation form). A month
    scored before is replaced (its history keeps the old one; its version counts up, so a form opened
    before the import is refused). After the import the last-place policy runs (new warnings and
    proposals)."""
    _check_year(year)
    require_monthly_scorer(actor)
    from wuxing.competition.queries import checklist_for

    checklist = checklist_for(year)  # the default one is saved only when an import succeeds
    columns = monthly_columns(checklist)

    def check(records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[MonthlyPlan]:
        rules = MonthlyChecks(actor, year, checklist)
        existing = {
            (o, m): (pk, v)
            for pk, o, m, v in MonthlyScore.objects.filter(year=year).values_list(
                "pk", "org_id", "month", "lock_version"
            )
        }
        checked: CheckedRows[MonthlyPlan] = CheckedRows(MonthlyPlan())
        seen: dict[tuple[int, int], int] = {}
        for rownum, record in records:
            try:
                org_id = rules.org_by_code(record.get("org_code"))
                month = rules.month(record.get("month"))
                scored_by = rules.scored_by(record.get("scored_by"))
                items = rules.item_points(record)
                if (org_id, month) in seen:
                    raise RowError(f"与第{seen[(org_id, month)]}行重复（同一组织同一月份）", "month")
            except RowError as exc:
                checked.problems.append((rownum, exc))
                continue
            seen[(org_id, month)] = rownum
            total = sum((Decimal(v) for v in items.values()), Decimal(0))
            row = MonthlyScore(
                org_id=org_id, year=year, month=month, items=items, total=total, scored_by=scored_by
            )
            checked.plan.months.add(month)
            if (org_id, month) in existing:
                row.pk, version = existing[(org_id, month)]
                row.lock_version = version + 1
                checked.plan.update.append(row)
                checked.updated += 1
            else:
                checked.plan.create.append(row)
                checked.created += 1
        return checked

    def write(checked: CheckedRows[MonthlyPlan]) -> None:
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        why = reason or "月考评导入"
        user = real_user(actor)
        saved = checklist if checklist.pk else ensure_checklist(actor, year)  # the columns read
        for row in checklist_rows(checked.plan):
            row.checklist = saved
        bulk_create_with_history(
            checked.plan.create, MonthlyScore, default_user=user, default_change_reason=why
        )
        if checked.plan.update:
            bulk_update_with_history(
                checked.plan.update, MonthlyScore, ["checklist", "items", "total", "scored_by", "lock_version"],
                default_user=user, default_change_reason=why,
            )  # fmt: skip
        from wuxing.orgs.services import district_root

        months = "、".join(str(m) for m in sorted(checked.plan.months))
        log_decision(
            district_root(), "competition.monthly_import", actor, to_state="imported",
            comment=f"{year}年{months}月月考评：新增 {checked.created}，替换 {checked.updated}"
            + (f"（{reason}）" if reason else ""),
        )  # fmt: skip

    report = run_checked_import(
        fileobj, columns, check, write, sheet=MONTHLY_SHEET, lock=lambda: keep_writers_out(MonthlyScore)
    )
    if report.ok:
        apply_policy(None, year)
    return report


def save_monthly_score(
    actor: Any, org: OrgUnit, year: int, month: int, items: dict[str, Any], scored_by: str = "",
    reason: str = "", *, expected_version: int | None,
) -> MonthlyScore:  # fmt: skip
    """Enter or correct one organisation's month (the 月考评 form, §81): the import's checks (MonthlyChecks:
    who may score whom, taking part in the year, each item 0–its points with at most two decimals), a
    reason when an existing score is changed, and the optimistic lock — ``expected_version`` is the
    version the editor was shown, None when it was shown no score (a score entered meanwhile, by a form or
    an import, is then a conflict too). ``items`` maps item codes to the typed points. History with the
    reason, a decision-log row and, after the save, the last-place policy, as after an import. Refusals
    change nothing: PermissionDenied, or ValidationError keyed by ``org_code``, ``month``, ``scored_by``,
    ``reason`` or the item codes."""
    require_monthly_scorer(actor)
    _check_year(year)
    from wuxing.competition.queries import checklist_for

    rules = MonthlyChecks(actor, year, checklist_for(year))
    reason = reason.strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "修改原因不能超过 300 个字"})
    try:
        rules.takes_part(org)
        month = rules.month(month)
        scored_by = rules.scored_by(scored_by)
    except RowError as exc:
        raise _row_to_validation(exc) from None
    try:
        points = rules.item_points({f"item.{k}": v for k, v in items.items()}, all_errors=True)
    except ValidationError as exc:
        raise ValidationError({key[5:]: messages for key, messages in exc.message_dict.items()}) from None
    total = sum((Decimal(v) for v in points.values()), Decimal(0))
    with transaction.atomic():
        row = MonthlyScore.objects.filter(org=org, year=year, month=month).first()
        before = None
        if row is None:
            if expected_version is not None:
                raise ValidationError(f"{CONFLICT_MESSAGE}：该月得分已不存在，请刷新后重新填写")
            row = MonthlyScore(org=org, year=year, month=month)
        else:
            if expected_version is None:
                raise entered_meanwhile(row)
            check_version(row, expected_version)
            row.refresh_from_db()
            if not reason:
                raise ValidationError({"reason": "修改已录入的得分请填写修改原因"})
            before = row.total
        row.checklist = rules.checklist if rules.checklist.pk else ensure_checklist(actor, year)
        row.items, row.total, row.scored_by = points, total, scored_by
        why = reason or "月考评录入"
        with integrity_to_validation(
            {"monthly_one_per_month": ("month", "该组织该月的得分刚由他人录入，请刷新后核对再修改")}
        ):
            save_with_history(row, actor, why, expected_version=expected_version)
        log_decision(
            row, "competition.monthly_entry", actor,
            from_state="" if before is None else str(before), to_state=str(total),
            comment=f"{org.name} {year}年{month}月" + (f"：{reason}" if reason else ""),
        )  # fmt: skip
    apply_policy(None, year)
    return row


# --- observation events ---------------------------------------------------------------------------------------


def _may_organise(actor: Any, organiser: OrgUnit | None) -> bool:
    if actor is None:
        return False
    if actor.has_perm("competition.manage"):
        return True
    return bool(
        organiser is not None
        and getattr(actor, "role", "") == "street_staff"
        and actor.scope_org_id == organiser.pk
    )


def _check_event(
    title: str, held_on: dt.date, organiser: OrgUnit | None, orgs: list[OrgUnit], observers: list[str]
) -> tuple[str, list[str]]:
    """An event's details and route as created or corrected: the title and the observers' names cleaned."""
    title = title.strip()
    if not title or len(title) > 100:
        raise ValidationError({"title": "请填写不超过 100 字的名称"})
    _check_year(held_on.year)
    names = [n.strip() for n in observers if n.strip()]
    if not names:
        raise ValidationError({"observers": "请至少填写一名评分人"})
    if len(set(names)) != len(names) or any(len(n) > 50 for n in names) or len(names) > 99:
        raise ValidationError({"observers": "评分人姓名不能重复，每个不超过 50 字，最多 99 人"})
    if not orgs:
        raise ValidationError({"orgs": "请至少选择一个观摩的组织"})
    for org in orgs:
        if org.level != Level.BRANCH:
            raise ValidationError({"orgs": f"“{org.name}”不是村/社区党组织"})
        if organiser is not None and not org.path.startswith(organiser.path):
            raise ValidationError({"orgs": f"“{org.name}”不在{organiser.name}"})
    if len({o.pk for o in orgs}) != len(orgs):
        raise ValidationError({"orgs": "观摩路线中的组织不能重复"})
    return title, names


def create_event(
    actor: Any, *, title: str, held_on: dt.date, organiser: OrgUnit | None, orgs: list[OrgUnit],
    observers: list[str], is_demo: bool = False,
) -> ObservationEvent:  # fmt: skip
    """An observation event: the district's (organiser None) or a street's own tour of its organisations."""
    if not _may_organise(actor, organiser):
        raise PermissionDenied("您没有权限组织该观摩")
    title, names = _check_event(title, held_on, organiser, orgs, observers)
    with transaction.atomic():
        event = ObservationEvent(
            title=title, held_on=held_on, organiser=organiser, observers=names, is_demo=is_demo
        )
        save_with_history(event, actor, "新建观摩活动")
        ObservationStop.objects.bulk_create(
            [ObservationStop(event=event, org=org, position=i) for i, org in enumerate(orgs, start=1)]
        )
        log_decision(event, "competition.event_create", actor, to_state="created", comment=title)
    return event


def observation_score(raw: Any) -> Decimal | None:
    """An observer's score as typed or read from Excel: blank → None (no score); otherwise 0–100 with at
    most two decimals, else ValueError with the Chinese reason (the grid and the import share it)."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    return _points(raw if isinstance(raw, int | float | Decimal) else text, Decimal(100))


def _write_observation_scores(
    actor: Any, event: ObservationEvent, scores: dict[tuple[str, int], Decimal], reason: str
) -> None:
    """Make the event's scores ``scores`` (inside the caller's transaction, the event row locked): only
    what differs is written, in bulk, each change with its history (who, why); the event's version
    counts up."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    kept = {(s.observer, s.org_id): s for s in ObservationScore.objects.filter(event=event).order_by()}
    user = real_user(actor)
    for key, row in kept.items():
        if key not in scores:  # few: one by one, so that each "removed" history row says who and why
            row._change_reason = reason  # type: ignore[attr-defined]
            if user is not None:
                row._history_user = user  # type: ignore[attr-defined]
            row.delete()
    new: list[ObservationScore] = []
    changed: list[ObservationScore] = []
    for (observer, org_id), value in scores.items():
        found = kept.get((observer, org_id))
        if found is None:
            new.append(ObservationScore(event=event, org_id=org_id, observer=observer, score=value))
        elif found.score != value:
            found.score = value
            changed.append(found)
    bulk_create_with_history(new, ObservationScore, default_user=user, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed, ObservationScore, ["score"], default_user=user, default_change_reason=reason
        )
    save_with_history(event, actor, reason)


def save_observation_scores(
    actor: Any, event: ObservationEvent, scores: dict[tuple[str, int], str], reason: str = "",
    *, expected_version: int | None = None,
) -> int:  # fmt: skip
    """Enter or correct an event's scores: (observer, org id) → "0–100" (blank: no score). All checked
    before anything is written; returns how many scores are now recorded."""
    if not _may_organise(actor, event.organiser):
        raise PermissionDenied("您没有权限为该观摩评分")
    stops = set(event.stops.values_list("org_id", flat=True))
    parsed: dict[tuple[str, int], Decimal] = {}
    for (observer, org_id), raw in scores.items():
        if observer not in event.observers or org_id not in stops:
            raise ValidationError("评分人或组织不属于该观摩")
        try:
            value = observation_score(raw)
        except ValueError as exc:
            raise ValidationError(f"{observer} 的评分{exc}") from None
        if value is not None:
            parsed[(observer, org_id)] = value
    with transaction.atomic():
        check_version(event, expected_version)
        event.refresh_from_db()
        _write_observation_scores(actor, event, parsed, reason or "录入观摩评分")
        log_decision(event, "competition.event_scores", actor, to_state=f"{len(parsed)}", comment=reason)
    return len(parsed)


def update_event(
    actor: Any, event: ObservationEvent, *, title: str, held_on: dt.date, orgs: list[OrgUnit],
    observers: list[str], reason: str, expected_version: int | None, drop_scores: bool = False,
) -> ObservationEvent:  # fmt: skip
    """Correct an event's details and route (§82): title, date, the visited organisations in order and the
    observers, by whoever may organise it (the organiser itself stays), with a reason, version-checked.
    Scores of an organisation or an observer that stays are kept. Taking off the route an organisation
    (or removing an observer) that already has scores is refused, naming them, unless ``drop_scores``
    says the editor confirmed removing those scores; they are then deleted with their history and counted
    in the decision-log row — never lost silently."""
    if not _may_organise(actor, event.organiser):
        raise PermissionDenied("您没有权限修改该观摩")
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写修改原因（不超过 200 字）"})
    title, names = _check_event(title, held_on, event.organiser, orgs, observers)
    with transaction.atomic():
        check_version(event, expected_version)
        event.refresh_from_db()
        old_route = list(event.stops.select_related("org").order_by("position"))
        wanted = {o.pk for o in orgs}
        lost = list(
            ObservationScore.objects.filter(event=event)
            .exclude(org_id__in=wanted, observer__in=names)
            .select_related("org")
            .order_by("org__code", "observer")
        )
        if lost and not drop_scores:
            counts: dict[str, int] = {}
            for score in lost:
                label = score.org.name if score.org_id not in wanted else f"评分人 {score.observer}"
                counts[label] = counts.get(label, 0) + 1
            listed = "、".join(f"{label}（{n} 个评分）" for label, n in list(counts.items())[:10])
            raise ValidationError(
                {
                    "drop_scores": f"移出的组织或评分人已有评分：{listed}。如确需移出，请勾选“同时删除这些评分”后再保存"
                }
            )
        before = "→".join(s.org.code for s in old_route)
        event.title, event.held_on, event.observers = title, held_on, names
        kept = {(s.observer, s.org_id): s.score for s in ObservationScore.objects.filter(event=event)}
        for score in lost:
            kept.pop((score.observer, score.org_id), None)
        event.stops.all().delete()
        ObservationStop.objects.bulk_create(
            [ObservationStop(event=event, org=org, position=i) for i, org in enumerate(orgs, start=1)]
        )
        _write_observation_scores(actor, event, kept, reason)
        after = "→".join(o.code for o in orgs)
        detail = f"路线：{before} 改为 {after}" if before != after else "路线未变"
        if lost:
            detail += f"；删除 {len(lost)} 个评分"
        log_decision(
            event, "competition.event_edit", actor, from_state=f"v{event.lock_version - 1}",
            to_state=f"v{event.lock_version}", comment=f"{reason}（{detail}）",
        )  # fmt: skip
    return event


# --- observation scores from and to Excel ---------------------------------------------------------------------

OBSERVATION_SHEET = "观摩评分"


def observation_columns() -> list[Column]:
    return [
        Column("observer", "评分人", required=True, width=14),
        Column("org_code", "组织编码", required=True),
        Column("org_name", "组织名称", help="仅供核对，导入时不读取", width=24),
        Column("score", "得分", required=True, help="0–100，最多两位小数；留空表示没有评分（删除原评分）"),
    ]


def import_observation_scores(
    actor: Any, event: ObservationEvent, fileobj: Any, reason: str = ""
) -> ImportReport:
    """An event's scores from Excel (§83): one row per observer and visited organisation, all or nothing,
    with the grid's authority (whoever may organise the event) and bounds (0–100, two decimals; blank: no
    score). Unknown observers and organisations not on the route are refused, each row at most once. The
    rows in the file set their scores; pairs the file does not name keep theirs. Checked again inside the
    writing transaction with the event row locked, so a route changed meanwhile refuses the file."""
    if not _may_organise(actor, event.organiser):
        raise PermissionDenied("您没有权限为该观摩评分")
    reason = reason.strip()[:200]

    def check(
        records: list[tuple[int, dict[str, Any]]],
    ) -> CheckedRows[dict[tuple[str, int], Decimal | None]]:
        current = ObservationEvent.objects.get(pk=event.pk)
        observers = set(current.observers)
        stops = {
            code.upper(): pk
            for pk, code in ObservationStop.objects.filter(event=event).values_list("org_id", "org__code")
        }
        given = {
            (n, o): v
            for n, o, v in ObservationScore.objects.filter(event=event).values_list(
                "observer", "org_id", "score"
            )
        }
        checked: CheckedRows[dict[tuple[str, int], Decimal | None]] = CheckedRows({})
        seen: dict[tuple[str, int], int] = {}
        for rownum, record in records:
            try:
                name = str(record.get("observer") or "").strip()
                if name not in observers:
                    raise RowError(
                        f"“{excerpt(name, 20)}”不是本次观摩的评分人" if name else "请填写评分人", "observer"
                    )
                code = str(record.get("org_code") or "").strip().upper()
                org_id = stops.get(code)
                if org_id is None:
                    raise RowError(
                        f"“{excerpt(code, 40)}”不在本次观摩的路线中" if code else "请填写组织编码", "org_code"
                    )
                try:
                    value = observation_score(record.get("score"))
                except ValueError as exc:
                    raise RowError(f"得分{exc}", "score") from None
                if (name, org_id) in seen:
                    raise RowError(f"与第{seen[(name, org_id)]}行重复（同一评分人同一组织）", "org_code")
            except RowError as exc:
                checked.problems.append((rownum, exc))
                continue
            seen[(name, org_id)] = rownum
            checked.plan[(name, org_id)] = value
            old = given.get((name, org_id))
            if old == value:
                checked.unchanged += 1
            elif old is None:
                checked.created += 1
            else:
                checked.updated += 1
        return checked

    def lock() -> None:
        check_version(event, None)

    def write(checked: CheckedRows[dict[tuple[str, int], Decimal | None]]) -> None:
        event.refresh_from_db()
        scores = {
            (n, o): v
            for n, o, v in ObservationScore.objects.filter(event=event).values_list(
                "observer", "org_id", "score"
            )
        }
        for key, value in checked.plan.items():
            if value is None:
                scores.pop(key, None)
            else:
                scores[key] = value
        _write_observation_scores(actor, event, scores, reason or "观摩评分导入")
        log_decision(
            event, "competition.event_import", actor, to_state=f"{len(scores)}",
            comment=f"新增 {checked.created}，修改或删除 {checked.updated}，未变 {checked.unchanged}"
            + (f"（{reason}）" if reason else ""),
        )  # fmt: skip

    return run_checked_import(
        fileobj, observation_columns(), check, write, sheet=OBSERVATION_SHEET, lock=lock
    )


# --- the last-place policy ------------------------------------------------------------------------------------


def policy_rule_text(params: Any) -> str:
    where = f"最后 {params.policy_n} 名" if params.policy_mode == "bottom_n" else f"最后 {params.policy_n}%"
    period = "个月" if params.policy_basis == "month" else "个季度"
    return (
        f"全区排名{where}（并列计入），连续 {params.policy_k} {period} → 末位预警；"
        f"连续 {params.policy_k + 1} {period} → 降档建议（区级确认或不采纳）"
    )


def policy_streaks(year: int) -> list[engine.Streak]:
    """What the year's policy finds in the rankings so far (whole district)."""
    from wuxing.competition.queries import (
        QUARTER_MONTHS,
        monthly_totals,
        org_infos,
        parameters_for,
        quarter_ranking,
    )

    params, _saved = parameters_for(year)
    at_bottom: dict[int, set[Any]] = {}
    if params.policy_basis == "month":
        infos = org_infos()
        for month, totals in monthly_totals(year).items():
            ranked = engine.dense_rank([(pk, infos[pk].code, c) for pk, c in totals.items() if pk in infos])
            at_bottom[month] = engine.bottom(ranked, params.policy_mode, params.policy_n)
    else:
        from wuxing.core.management.base import system_user

        system = system_user()
        for quarter in QUARTER_MONTHS:
            ranking = quarter_ranking(system, year, quarter)
            if ranking.rows:
                ranked = [engine.Ranked(r.org.pk, r.org.code, r.cents, r.rank) for r in ranking.rows]
                at_bottom[quarter] = engine.bottom(ranked, params.policy_mode, params.policy_n)
    return engine.streaks(at_bottom, params.policy_k)


def apply_policy(actor: Any, year: int) -> list[PolicyCase]:
    """Record what the policy finds that is not recorded yet: warnings (state 已预警) and downgrade
    proposals (待区级决定). Runs after every monthly import and on the district's request; never changes a
    level itself."""
    from wuxing.core.management.base import system_user

    if actor is not None:
        require_perm(actor, "competition.manage")
    from wuxing.competition.queries import parameters_for, previous_levels

    params, _saved = parameters_for(year)
    found = policy_streaks(year)
    if not found:
        return []
    system = system_user()
    levels, _sources = previous_levels(system, year)
    rule = policy_rule_text(params)
    created: list[PolicyCase] = []
    with transaction.atomic():
        keep_writers_out(PolicyCase)
        existing = set(
            PolicyCase.objects.filter(year=year, basis=params.policy_basis).values_list(
                "org_id", "kind", "period"
            )
        )
        for s in found:
            if (s.key, s.kind, s.period) in existing:
                continue
            org_id = int(s.key)  # type: ignore[call-overload]
            level = levels.get(org_id, 0)
            case = PolicyCase(
                org_id=org_id, year=year, kind=s.kind, basis=params.policy_basis, period=s.period,
                periods=list(s.periods), level=level,
                proposed_level=max(level - 1, 0) if s.kind == CaseKind.PROPOSAL else None,
                state=CaseState.OPEN if s.kind == CaseKind.PROPOSAL else CaseState.NOTED, rule=rule,
            )  # fmt: skip
            save_with_history(case, actor or system, "末位规则自动产生")
            log_decision(case, f"competition.{s.kind}", actor or system, to_state=case.state, comment=rule)
            created.append(case)
    return created


def decide_case(
    actor: Any, case: PolicyCase, confirm: bool, comment: str, *, expected_version: int | None = None
) -> PolicyCase:
    """The district confirms or rejects a downgrade proposal, with a reason. A confirmed proposal takes the
    organisation out of the year's monthly evaluation when its proposed level falls below the minimum; the
    official star level changes only through the review's star removal (§37, §45)."""
    require_perm(actor, "competition.manage")
    if not comment.strip():
        raise ValidationError({"comment": "请填写决定说明"})
    with transaction.atomic():
        check_version(case, expected_version)
        case.refresh_from_db()
        if case.kind != CaseKind.PROPOSAL or case.state != CaseState.OPEN:
            raise ValidationError(f"该记录现在是“{case.get_state_display()}”，不能再决定")
        before = case.state
        case.state = CaseState.CONFIRMED if confirm else CaseState.REJECTED
        case.decided_by = real_user(actor)
        case.decided_at = timezone.now()
        case.comment = comment.strip()
        save_with_history(case, actor, comment)
        log_decision(
            case,
            "competition.proposal_decide",
            actor,
            from_state=before,
            to_state=case.state,
            comment=comment,
        )
    return case


# --- reserve pool and weak branches ---------------------------------------------------------------------------


def designate_reserve(
    actor: Any,
    org: OrgUnit,
    year: int,
    target_level: int,
    cadre: str,
    note: str = "",
    *,
    is_demo: bool = False,
) -> ReserveCandidate:
    require_perm(actor, "competition.manage")
    _check_year(year)
    if org.level != Level.BRANCH:
        raise ValidationError({"org": "只能选择村/社区党组织"})
    if not 2 <= target_level <= 5:
        raise ValidationError({"target_level": "目标星级应为 2–5"})
    cadre = cadre.strip()
    if not cadre or len(cadre) > 50:
        raise ValidationError({"cadre": "请填写责任干部（不超过 50 字）"})
    with (
        transaction.atomic(),
        integrity_to_validation({"reserve_once_per_year": ("org", f"该组织已是 {year} 年储备对象")}),
    ):
        if ReserveCandidate.objects.filter(org=org, year=year).exists():
            raise ValidationError({"org": f"该组织已是 {year} 年储备对象"})
        row = ReserveCandidate(
            org=org,
            year=year,
            target_level=target_level,
            cadre=cadre,
            note=note.strip()[:200],
            is_demo=is_demo,
        )
        save_with_history(row, actor, "列为储备对象")
        log_decision(row, "competition.reserve", actor, to_state=f"{target_level}星", comment=note)
    return row


def designate_weak(
    actor: Any, org: OrgUnit, year: int, designated_on: dt.date, reason: str, plan: str = "",
    *, is_demo: bool = False,
) -> WeakBranch:  # fmt: skip
    require_perm(actor, "competition.score", org)
    _check_year(year)
    if org.level != Level.BRANCH:
        raise ValidationError({"org": "只能选择村/社区党组织"})
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise ValidationError({"reason": "请填写认定原因（不超过 300 字）"})
    with transaction.atomic():
        if WeakBranch.objects.filter(org=org, year=year).exists():
            raise ValidationError({"org": f"该组织 {year} 年已认定为软弱涣散"})
        row = WeakBranch(
            org=org, year=year, designated_on=designated_on, reason=reason, plan=plan.strip(), is_demo=is_demo
        )
        save_with_history(row, actor, reason)
        log_decision(row, "competition.weak_designate", actor, to_state=WeakState.DESIGNATED, comment=reason)
    return row


WEAK_NEXT = {
    WeakState.DESIGNATED: (WeakState.RECTIFYING,),
    WeakState.RECTIFYING: (WeakState.TURNED,),
    WeakState.TURNED: (),
}


def update_weak(
    actor: Any, row: WeakBranch, *, state: str, plan: str, comment: str, on: dt.date | None = None,
    expected_version: int | None = None,
) -> WeakBranch:  # fmt: skip
    """Change the plan and/or move the status on (认定 → 整顿中 → 已整顿转化), with a comment."""
    require_perm(actor, "competition.score", row.org)
    if not comment.strip():
        raise ValidationError({"comment": "请填写说明"})
    with transaction.atomic():
        check_version(row, expected_version)
        row.refresh_from_db()
        before = row.state
        if state != before and state not in WEAK_NEXT[WeakState(before)]:
            raise ValidationError({"state": f"现在是“{row.get_state_display()}”，不能改为该状态"})
        if state == WeakState.TURNED and not plan.strip() and not row.plan:
            raise ValidationError({"plan": "整顿转化前请先填写整顿方案"})
        row.state = state
        if plan.strip():
            row.plan = plan.strip()
        if state == WeakState.TURNED and before != state:
            row.turned_on = on or timezone.localdate()
        save_with_history(row, actor, comment)
        log_decision(
            row, "competition.weak_update", actor, from_state=before, to_state=state, comment=comment
        )
    return row
