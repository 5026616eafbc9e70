"""Every write for rulebooks, scores and veto events: authority, one transaction, recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from wuxing.core.bulk import bulk_set
from wuxing.core.excel import Column, ImportReport, RowError, run_import
from wuxing.core.scoping import scope, visible_orgs
from wuxing.core.services import delete_with_history, log_decision, real_user, require_perm, save_with_history
from wuxing.core.text import excerpt, normalize_number, normalize_value
from wuxing.core.uploads import check_evidence
from wuxing.core.xlsx_reader import Percent
from wuxing.orgs.models import Level, OrgUnit
from wuxing.rules.engine import ScoreError, indicator_of, rate_all, score_cell, validate_value
from wuxing.rules.models import Evidence, RulebookVersion, Score, VetoEvent
from wuxing.rules.schema import (
    Indicator,
    Rulebook,
    RulebookError,
    format_number,
    load_rulebook_yaml,
    parse_rulebook,
    with_unit,
)
from wuxing.rules.stale import invalidate, invalidate_kind

SHIPPED_DIR = Path(__file__).resolve().parent / "rulebooks"


def _parse_or_error(content: str) -> Rulebook:
    try:
        return load_rulebook_yaml(content)
    except RulebookError as exc:
        raise ValidationError({"content": list(exc.readable)}) from exc


def to_stored(value: bool | int | Decimal) -> Decimal:
    """Typed indicator value → the number stored in Score.value."""
    if isinstance(value, bool):
        return Decimal(1 if value else 0)
    return Decimal(value)


def from_stored(indicator: Indicator, stored: Decimal) -> bool | int | Decimal:
    """Score.value → the typed value for `indicator`. A stored number that cannot be of this form
    (e.g. 20.5 for a yes/no item after a rulebook change) comes back as a Decimal, which the engine's
    validate_value then refuses, so it is never silently reinterpreted."""
    whole = stored == stored.to_integral_value()
    if indicator.form == "yes_no":
        return bool(stored) if stored in (0, 1) else stored
    if indicator.counts:
        return int(stored) if whole else stored
    return stored.quantize(Decimal(1)) if whole else stored.normalize()


# --- rulebooks ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_version(
    actor: Any,
    content: str,
    *,
    note: str = "",
    based_on: RulebookVersion | None = None,
    activate: bool = True,
    background: bool = True,
) -> RulebookVersion:
    """A new version of the (year, kind) the YAML names; version numbers count up per (year, kind).
    `background`: see `activate_version`."""
    require_perm(actor, "starrules.manage_rulebooks")
    book = _parse_or_error(content)
    latest = (
        RulebookVersion.objects.filter(year=book.year, kind=book.kind).aggregate(m=Max("version"))["m"] or 0
    )
    version = latest + 1
    if book.version != version:
        # The version number inside the YAML follows the stored sequence.
        content = _with_version(content, version)
        book = _parse_or_error(content)
    rb = RulebookVersion(
        year=book.year,
        kind=book.kind,
        version=version,
        title=book.title,
        content=content,
        is_placeholder=book.has_placeholders,
        based_on=based_on,
        change_note=note,
        created_by=real_user(actor),
    )
    save_with_history(rb, actor, note or "新建细则版本")
    log_decision(rb, "rulebook_created", actor, to_state=f"v{version}", comment=note)
    if activate:
        activate_version(actor, rb, note, background=background)
    return rb


def _with_version(content: str, version: int) -> str:
    lines = content.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("version:"):
            lines[i] = f"version: {version}"
            return "\n".join(lines) + "\n"
    return f"version: {version}\n" + content


@transaction.atomic
def update_version(actor: Any, rb: RulebookVersion, content: str, note: str = "") -> RulebookVersion:
    """Edit in place — only while no score has been entered against this version."""
    require_perm(actor, "starrules.manage_rulebooks")
    if rb.has_scores():
        raise ValidationError(
            "该版本已有得分数据，不能直接修改；请“另存为新版本”，新版本启用后评定将按新细则计算。"
        )
    book = _parse_or_error(_with_version(content, rb.version))
    if (book.year, book.kind) != (rb.year, rb.kind):
        raise ValidationError({"content": ["不能修改细则的年度或适用类型；请新建细则"]})
    if rb.is_active:  # compared with the text in force until now, before it is replaced
        rb.rating_changes = changes_on_activation(actor, rb.year, rb.kind, book)
    rb.content = _with_version(content, rb.version)
    rb.title = book.title
    rb.is_placeholder = book.has_placeholders
    rb.change_note = note or rb.change_note
    save_with_history(rb, actor, note or "修改细则")
    if rb.is_active:
        if _in_background(actor, rb):
            # the values were not scored under this text before (it would be frozen): the ratings stay
            # what they were until the job has scored them under the new text
            rb.rating_changes = None
            invalidate_kind(rb)
            _queue_activation(actor, rb, note or "修改细则")
        else:
            rb.rescore_report = rescore(rb)
    return rb


def rescore_in_background(year: int, kind: str) -> bool:
    """More values of (year, kind) than WUXING_RESCORE_JOB_SCORES: rescoring them runs as a job (§40).
    Counted no further than the limit, so that the request costs the same at any size."""
    limit = settings.WUXING_RESCORE_JOB_SCORES
    values = Score.objects.filter(year=year, org__area_kind=kind).order_by().values("pk")
    return values[: limit + 1].count() > limit


def _in_background(actor: Any, rb: RulebookVersion, background: bool = True) -> bool:
    # a job belongs to a user who watches its page: commands (the system identity) rescore in place
    return background and real_user(actor) is not None and rescore_in_background(rb.year, rb.kind)


@transaction.atomic
def activate_version(
    actor: Any, rb: RulebookVersion, note: str = "", *, background: bool = True
) -> RulebookVersion:
    """Make rb the version in force for its year and kind and rescore the year's values under it.

    Above WUXING_RESCORE_JOB_SCORES values, for a user (not a command, not with background=False), this
    is a background job (rb.job is set; docs/decisions.md §40): the request records who asked and why,
    and the job switches the version and rescores in one transaction, so that until it commits every
    page still rates by the version in force before."""
    require_perm(actor, "starrules.manage_rulebooks")
    if _in_background(actor, rb, background):
        rb.rating_changes = None  # above RATING_CHANGES_MAX_VALUES in practice; never in the request
        _queue_activation(actor, rb, note)
        return rb
    rb.rating_changes = changes_on_activation(actor, rb.year, rb.kind, rb.rulebook)
    rb.rescore_report = _switch_and_rescore(actor, rb, note)
    return rb


def _switch_and_rescore(
    actor: Any, rb: RulebookVersion, note: str, progress: Callable[[int, int], None] | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """(Inside a transaction) rb becomes the active version of its year and kind — when it is already,
    its values are scored again — recorded in the history and the decision log."""
    previous = (
        RulebookVersion.objects.filter(year=rb.year, kind=rb.kind, is_active=True).exclude(pk=rb.pk).first()
    )
    if previous is not None:
        previous.is_active = False
        save_with_history(previous, actor, f"由第{rb.version}版取代")
    rb.is_active = True
    save_with_history(rb, actor, note or "启用")
    scored, unscored = rescore(rb, progress=progress)
    comment = f"重新计分 {scored} 项" + (f"，{len(unscored)} 项与新细则不符未计分" if unscored else "")
    log_decision(
        rb,
        "rulebook_activated",
        actor,
        from_state=f"v{previous.version}" if previous else "",
        to_state=f"v{rb.version}",
        comment=(note + "；" if note else "") + comment,
    )
    return scored, unscored


ACTIVATION_JOB = "rulebook_activation"


def _queue_activation(actor: Any, rb: RulebookVersion, note: str) -> None:
    """Record the request (decision log) and start the job that switches to rb and rescores (§40)."""
    from wuxing.core import jobs

    log_decision(
        rb,
        "rulebook_activation_queued",
        actor,
        to_state=f"v{rb.version}",
        comment=(note + "；" if note else "") + "数据较多，转入后台重新计分",
    )
    rb.job = jobs.start(
        actor,
        ACTIVATION_JOB,
        f"启用{rb}并重新计分",
        "",
        {"rulebook": rb.pk, "year": rb.year, "kind": rb.kind, "note": note},
        result_url=reverse("starrules:rulebook", args=[rb.pk]),
        retry_url=reverse("starrules:rulebook_activate", args=[rb.pk]),
    )


def run_activation_job(job: Any, progress: Callable[[int, int], None]) -> str:
    """The activation job (core.jobs runner, §40), in two phases.

    重新计分: one transaction locks the year and kind's versions (a second activation waits for the
    first), switches to the job's version and rescores every value under it — unless an activation of
    the same year and kind was asked for after this one, which then wins and this job changes nothing.
    Pages read the old version and its scores until this commits, never a half-rescored mixture.
    更新评定: the kept ratings the rescore marked stale are decided again (kept.refresh, the whole
    district's check), so the first ratings page after the job reads them as they are."""
    from wuxing.core import jobs
    from wuxing.core.models import Job
    from wuxing.rules import kept

    actor, params = job.user, job.params
    with transaction.atomic():
        require_perm(actor, "starrules.manage_rulebooks")
        rb = RulebookVersion.objects.get(pk=params["rulebook"])
        list(
            RulebookVersion.objects.select_for_update()
            .filter(year=rb.year, kind=rb.kind)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        later = (
            Job.objects.filter(kind=ACTIVATION_JOB, pk__gt=job.pk, params__year=rb.year, params__kind=rb.kind)
            .exclude(status=Job.Status.FAILED)
            .order_by("pk")
            .first()
        )
        if later is not None:
            return f"之后又发起了启用（任务 {later.pk}），以该次为准；本任务未做修改。"
        rb.refresh_from_db()
        total = Score.objects.filter(year=rb.year, org__area_kind=rb.kind).count()
        jobs.set_phase(job, Job.Phase.RESCORE, total)
        scored, unscored = _switch_and_rescore(actor, rb, params.get("note", ""), progress)
    branches = OrgUnit.objects.filter(level=Level.BRANCH)
    count = branches.filter(area_kind=rb.kind).count()
    jobs.set_phase(job, Job.Phase.RATINGS, count)
    kept.refresh(branches, rb.year, whole=True)
    progress(count, count)
    return f"已启用{rb}，重新计分 {scored} 项" + (
        f"，{len(unscored)} 项已填数据不符合此版本，未计分（见细则页面）。" if unscored else "。"
    )


def cell_fields(rb: RulebookVersion, code: str, typed: Any) -> tuple[Any, ...] | None:
    """(scored_with id, star_index, cents, bit, met_bit, required) of a value under rb, or None when it
    cannot be scored there (no such indicator, or the value no longer fits it)."""
    book = rb.rulebook
    try:
        indicator = book.indicator(code)
    except KeyError:
        return None
    try:
        checked = validate_value(indicator, typed)
        cell = score_cell(book, code, checked) if checked is not None else None
    except (ValueError, ScoreError):
        return None
    if cell is None:
        return None
    return (rb.pk, cell.star, cell.cents, cell.bit, cell.bit if cell.met else 0, cell.required)


UNSCORED = (None, None, 0, 0, 0, False)


def apply_cell(score: Score, rb: RulebookVersion, typed: Any) -> bool:
    """Fill the score's engine-computed columns for version `rb`; False when the value cannot be scored
    under it (no such indicator, or the value does not fit the indicator any more)."""
    cell = cell_fields(rb, score.indicator_code, typed)
    (score.scored_with_id, score.star_index, score.cents, score.bit, score.met_bit, score.required) = (
        cell or UNSCORED
    )
    return cell is not None


def rescore(
    rb: RulebookVersion, batch: int = 2000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """Score every value of rb's year and kind under rb (run when rb becomes active).

    Returns (how many were scored, [(org code, indicator code)] of values that do not fit rb).
    `progress(done, total)` is called after each batch (the `rescore` command shows a progress bar).

    Set-based: values are read as plain tuples, each distinct (indicator, value) is scored once, and the
    cells are written back `batch` rows per UPDATE … FROM (VALUES …) statement.
    """
    book = rb.rulebook
    scored = 0
    unscored: list[tuple[str, str]] = []
    qs = (
        Score.objects.filter(year=rb.year, org__area_kind=rb.kind)
        .order_by("pk")
        .values_list("pk", "org__code", "indicator_code", "value")
    )
    total = qs.count() if progress else 0
    done = 0
    memo: dict[tuple[str, Decimal], tuple[Any, ...] | None] = {}
    pending: list[tuple[Any, ...]] = []
    for pk, org_code, code, value in qs.iterator(chunk_size=batch):
        key = (code, value)
        if key not in memo:
            indicator = indicator_of(book, code)
            typed = from_stored(indicator, value) if indicator is not None else None
            memo[key] = cell_fields(rb, code, typed) if indicator is not None else None
        cell = memo[key]
        if cell is None:
            unscored.append((org_code, code))
            cell = UNSCORED
        else:
            scored += 1
        pending.append((pk, *cell))
        if len(pending) >= batch:
            _write_cells(pending)
            done += len(pending)
            pending.clear()
            if progress:
                progress(done, total)
    if pending:
        _write_cells(pending)
        done += len(pending)
    # last, so that the kept rows are locked (PostgreSQL) only for the end of the rescoring transaction:
    # a reader refreshing a row meanwhile is not held up, and its write is undone by the generation bump
    invalidate_kind(rb)
    if progress:
        progress(done, total)
    return scored, unscored


def _write_cells(rows: list[tuple[Any, ...]]) -> None:
    """Write the engine columns of many scores: (pk, scored_with, star_index, cents, bit, met_bit,
    required) per row, many rows per statement (core.bulk.bulk_set)."""
    bulk_set(
        [
            Score(
                pk=pk,
                scored_with_id=sw,
                star_index=star,
                cents=cents,
                bit=bit,
                met_bit=met,
                required=required,
            )
            for pk, sw, star, cents, bit, met, required in rows
        ],
        ["scored_with", "star_index", "cents", "bit", "met_bit", "required"],
        batch_size=2000,
    )


@transaction.atomic
def clone_to_year(
    actor: Any, source: RulebookVersion, year: int, note: str = "", *, activate: bool = True
) -> RulebookVersion:
    """Start a new year's rulebook from last year's text (comments kept; year and title updated)."""
    require_perm(actor, "starrules.manage_rulebooks")
    if RulebookVersion.objects.filter(year=year, kind=source.kind).exists():
        raise ValidationError(f"{year}年已有{source.get_kind_display()}细则，请在其基础上修改")
    lines = source.content.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("year:"):
            lines[i] = f"year: {year}"
        elif line.startswith("title:"):
            lines[i] = line.replace(str(source.year), str(year))
    return create_version(
        actor, "\n".join(lines) + "\n", note=note or f"由{source}复制", based_on=source, activate=activate
    )


RELATION_READINGS = {
    "capstone": "封顶：支部过硬星须同时获得其他四星（默认读法）",
    "prerequisite": "前提：其他四星须先获得支部过硬星",
    "none": "各星独立评定",
}
LEAD_STAR = "zbgy"


def current_reading(book: Rulebook) -> str | None:
    """Which reading of 支部过硬星's relation to the other stars the rulebook expresses (None: another)."""
    codes = [s.code for s in book.stars]
    if LEAD_STAR not in codes:
        return None
    others = [c for c in codes if c != LEAD_STAR]
    requires = {s.code: set(s.requires_stars) for s in book.stars}
    if requires[LEAD_STAR] == set(others) and not any(requires[c] for c in others):
        return "capstone"
    if not requires[LEAD_STAR] and all(requires[c] == {LEAD_STAR} for c in others):
        return "prerequisite"
    if not any(requires.values()):
        return "none"
    return None


FIELD_NAMES = {"max_points": "满分", "target": "门槛值", "points_each": "每次得分", "min_count": "最少次数"}


def _differs(new: Any, old: Any) -> bool:
    return new is not None and Decimal(str(new)) != Decimal(str(old))


@transaction.atomic
def tune_version(
    actor: Any,
    rb: RulebookVersion,
    numbers: dict[tuple[str, str], Decimal | int | None],
    *,
    reading: str | None = None,
    note: str = "",
    activate: bool = True,
) -> RulebookVersion:
    """A new version with some numbers changed: {(star or indicator code, field): value}, fields being
    min_points (stars) and max_points, target, points_each, min_count (indicators); and optionally the
    reading of 支部过硬星's relation to the others (RELATION_READINGS).

    With ``activate``, the new version's ``rating_changes`` lists the organisations whose stars changed
    against the version that was active before (``activate_version``; the comparison the preview shows)."""
    require_perm(actor, "starrules.manage_rulebooks")
    book, changed = tuned_book(rb, numbers, reading=reading)
    header = (
        f"# 由第{rb.version}版经“参数调整”生成：{'；'.join(changed)}\n# 原文件中的注释见第{rb.version}版。\n"
    )
    summary = "；".join(changed)
    return create_version(
        actor, header + book.to_yaml(), note=note or summary, based_on=rb, activate=activate
    )


def tuned_book(
    rb: RulebookVersion, numbers: dict[tuple[str, str], Decimal | int | None], *, reading: str | None = None
) -> tuple[Rulebook, list[str]]:
    """rb's rulebook with the numbers (and reading) of ``tune_version`` applied, in memory, and the list
    of changes in Chinese. Raises ValidationError when nothing changes or the result is not valid."""
    data = rb.rulebook.to_dict()
    changed: list[str] = []
    for star in data["stars"]:
        key = (star["code"], "min_points")
        if key in numbers and _differs(numbers[key], star["award"]["min_points"]):
            changed.append(f"{star['name']}达标分 {star['award']['min_points']}→{numbers[key]}")
            star["award"]["min_points"] = str(numbers[key])
        for ind in star["indicators"]:
            for field in ("max_points", "target", "points_each", "min_count"):
                key = (ind["code"], field)
                if key in numbers and field in ind and _differs(numbers[key], ind[field]):
                    changed.append(f"{ind['name']}{FIELD_NAMES[field]} {ind[field]}→{numbers[key]}")
                    ind[field] = str(numbers[key])
    if reading and reading in RELATION_READINGS and reading != current_reading(rb.rulebook):
        codes = [s["code"] for s in data["stars"]]
        if LEAD_STAR not in codes:
            raise ValidationError("该细则没有支部过硬星（zbgy），不能设置星与星的关系")
        for star in data["stars"]:
            if reading == "capstone":
                star["requires_stars"] = (
                    [c for c in codes if c != LEAD_STAR] if star["code"] == LEAD_STAR else []
                )
            elif reading == "prerequisite":
                star["requires_stars"] = [] if star["code"] == LEAD_STAR else [LEAD_STAR]
            else:
                star["requires_stars"] = []
        changed.append(f"星与星的关系改为“{RELATION_READINGS[reading]}”")
    if not changed:
        raise ValidationError("没有任何参数被修改")
    try:
        book = parse_rulebook(data)
    except RulebookError as exc:
        raise ValidationError(list(exc.readable)) from exc
    return book, changed


@dataclass(frozen=True)
class RatingChange:
    """One organisation whose stars differ between the rules in force and a rulebook held in memory."""

    org_id: int
    org_code: str
    org_name: str
    street_name: str
    before: int
    after: int
    gained: tuple[str, ...]  # star names
    lost: tuple[str, ...]


# Comparing on activation rates every organisation twice in memory: worth it for a district or a city
# (the demo's 4,480 values: 0.15 s), not for a province inside a request.
RATING_CHANGES_MAX_VALUES = 300_000


def changes_on_activation(actor: Any, year: int, kind: str, book: Rulebook) -> list[RatingChange] | None:
    """``rating_changes`` when activating ``book`` would replace the version in force, for up to
    RATING_CHANGES_MAX_VALUES values of that year and kind; None above (the page then says nothing)."""
    if Score.objects.filter(year=year, org__area_kind=kind).count() > RATING_CHANGES_MAX_VALUES:
        return None
    return rating_changes(actor, year, kind, book)


def rating_changes(actor: Any, year: int, kind: str, book: Rulebook) -> list[RatingChange]:
    """Which organisations (of ``kind``, visible to ``actor``) would gain or lose which star if ``book``
    replaced the version active for (year, kind) now: both rated in memory by the engine from the same
    values and veto events (two queries for the values and vetoes, one for the organisations); nothing is
    written. Without an active version every organisation is compared with zero stars."""
    from wuxing.orgs.queries import with_street_name
    from wuxing.rules.queries import typed_value

    current = active_rulebook(year, kind)
    old_book = current.rulebook if current is not None else None
    branches = visible_orgs(actor).filter(level=Level.BRANCH, area_kind=kind)
    raw: dict[int, list[tuple[str, Decimal]]] = {}
    for org_id, code, stored in Score.objects.filter(year=year, org__in=branches).values_list(
        "org_id", "indicator_code", "value"
    ):
        raw.setdefault(org_id, []).append((code, stored))
    events: dict[int, set[str]] = {}
    for org_id, code in VetoEvent.objects.filter(
        year=year, revoked_at__isnull=True, org__in=branches
    ).values_list("org_id", "veto_code"):
        events.setdefault(org_id, set()).add(code)

    def rated(rulebook: Rulebook | None) -> dict[int, tuple[str, ...]]:
        if rulebook is None:
            return {}
        known = {v.code for star in rulebook.stars for v in star.vetoes}
        values: dict[int, dict[str, Any]] = {org_id: {} for org_id in raw.keys() | events.keys()}
        for org_id, pairs in raw.items():
            for code, stored in pairs:
                typed = typed_value(rulebook, code, stored)
                if typed is not None:
                    values[org_id][code] = typed
        vetoes = {org_id: codes & known for org_id, codes in events.items()}
        return {org: result.stars for org, result in rate_all(rulebook, values, vetoes).items()}

    old, new = rated(old_book), rated(book)
    differing = {org for org in old.keys() | new.keys() if old.get(org, ()) != new.get(org, ())}
    if not differing:
        return []
    names = {star.code: star.name for star in book.stars}
    if old_book is not None:
        names = {star.code: star.name for star in old_book.stars} | names
    orgs = with_street_name(OrgUnit.objects.filter(pk__in=differing)).order_by("path")
    out = []
    for org in orgs.only("pk", "code", "name", "path"):
        was, now = old.get(org.pk, ()), new.get(org.pk, ())
        out.append(
            RatingChange(
                org.pk,
                org.code,
                org.name,
                getattr(org, "street_name", "") or "",
                len(was),
                len(now),
                tuple(names[c] for c in now if c not in was),
                tuple(names[c] for c in was if c not in now),
            )
        )
    return out


def load_shipped(actor: Any) -> list[RulebookVersion]:
    """Load every shipped YAML (wuxing/rules/rulebooks/*.yaml) whose (year, kind) has no version yet."""
    created = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        content = path.read_text(encoding="utf-8")
        book = _parse_or_error(content)
        if not RulebookVersion.objects.filter(year=book.year, kind=book.kind).exists():
            created.append(create_version(actor, content, note=f"默认细则（{path.name}）"))
    return created


def active_rulebook(year: int, kind: str) -> RulebookVersion | None:
    return RulebookVersion.objects.filter(year=year, kind=kind, is_active=True).first()


def _check_can_enter(actor: Any, org: OrgUnit) -> None:
    require_perm(actor, "starrules.enter_scores_for", org)


# Checks other apps add (the yearly review registers one in its AppConfig.ready): each is called with
# (actor, organisation, year) before any value or evidence of that organisation's year is written, and
# raises ValidationError (Chinese) to refuse — nothing is written then.
VALUE_EDIT_GUARDS: list[Callable[[Any, OrgUnit, int], None]] = []


def check_value_guards(actor: Any, org: OrgUnit, year: int) -> None:
    for guard in VALUE_EDIT_GUARDS:
        guard(actor, org, year)


# --- scores ------------------------------------------------------------------------------------------------

# Who may enter what (the rulebook's `entered_by`), and whose evidence a user may remove: a rank per role.
ROLE_RANK = {"secretary": 1, "street_staff": 2, "district_admin": 3}
ENTERED_BY_RANK = {"secretary": 1, "street": 2, "district": 3}


def _rank(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    if user.is_superuser:
        return ROLE_RANK["district_admin"]
    return ROLE_RANK.get(user.role, 0)


def may_enter_indicator(actor: Any, indicator: Indicator) -> bool:
    """The rulebook says who enters each value; those above may enter or correct it too. The system
    identity of batch commands (no User row) enters everything."""
    if real_user(actor) is None:
        return True
    return _rank(actor) >= ENTERED_BY_RANK[indicator.entered_by]


def may_delete_evidence(actor: Any, evidence: Evidence) -> bool:
    """Evidence is removed only by whoever uploaded it, or by a reviewer above them (the street for a
    secretary's file, the district for anyone's) who may enter this organisation's values."""
    if real_user(actor) is None:
        return True
    if not actor.has_perm("starrules.enter_scores_for", evidence.score.org):
        return False
    if evidence.uploaded_by_id is not None and evidence.uploaded_by_id == actor.pk:
        return True
    if _rank(actor) >= ROLE_RANK["district_admin"]:
        return True
    uploader = evidence.uploaded_by
    return uploader is not None and _rank(actor) > _rank(uploader)


def display_value(indicator: Indicator, value: Any) -> str:
    """A typed value as the score form shows it (and as it is sent back as what the editor saw)."""
    if value is None:
        return ""
    if indicator.form == "yes_no":
        return "是" if value else "否"
    return str(value)


class ScoreConflict(ValidationError):
    """Some values changed since the editor loaded them. ``current`` maps those indicator codes to the
    value now stored (as the form shows it), so the page can show it and accept a deliberate resubmit."""

    def __init__(self, errors: dict[str, str], current: dict[str, str]) -> None:
        super().__init__(errors)
        self.current = current


def _lock_org(org: OrgUnit) -> None:
    """One writer at a time per organisation's values (a row lock on PostgreSQL; SQLite serialises every
    writing transaction already): two people creating the same value never collide on the unique key."""
    list(OrgUnit.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))


def _typed_or_none(indicator: Indicator, raw: Any) -> Any:
    try:
        return validate_value(indicator, normalize_value(raw) if isinstance(raw, str) else raw)
    except ValueError:
        return _UNREADABLE


_UNREADABLE = object()


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(to_stored(a) == to_stored(b))


@transaction.atomic
def save_scores(
    actor: Any,
    org: OrgUnit,
    year: int,
    raw_values: dict[str, Any],
    note: str = "",
    *,
    expected: dict[str, Any] | None = None,
    round_half_up: bool = False,
) -> dict[str, int]:
    """Validate and store one organisation's values (code → raw input). Blank input deletes the value.

    Raises ValidationError with {indicator_code: message} and writes nothing if any value is invalid,
    if the actor may not enter that indicator (rulebook `entered_by`), or — with ``expected`` — if a value
    the actor changed was changed by someone else since the actor loaded it (``ScoreConflict``).

    ``expected`` maps indicator codes to the value the editor was shown (form text, or None/"" for not
    entered). A code whose new value equals what was shown is left alone — whatever is stored now — so a
    stale form never overwrites another person's change to a field its user did not touch. A code without
    an entry in ``expected`` is written as given (imports and batch commands replace by design).
    ``round_half_up`` (the Excel import) rounds values with more decimals than stored instead of refusing
    them (``engine.validate_value``).
    """
    _check_can_enter(actor, org)
    _lock_org(org)
    check_value_guards(actor, org, year)
    rb = active_rulebook(year, org.area_kind)
    if rb is None:
        raise ValidationError(f"{year}年尚未启用{org.get_area_kind_display()}星级细则")
    book = rb.rulebook
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    indicators: dict[str, Indicator] = {}
    for code, raw in raw_values.items():
        try:
            indicator = book.indicator(code)
        except KeyError:
            errors[code] = f"细则中没有指标 {excerpt(code)}"
            continue
        indicators[code] = indicator
        try:
            typed[code] = validate_value(
                indicator, normalize_value(raw) if isinstance(raw, str) else raw, round_half_up=round_half_up
            )
        except ValueError as exc:
            errors[code] = f"{indicator.name}：{exc}"
    if errors:
        raise ValidationError(errors)
    existing = {
        s.indicator_code: s
        for s in Score.objects.filter(org=org, year=year, indicator_code__in=typed).select_related(
            "entered_by"
        )
    }
    stored = {
        code: from_stored(indicators[code], score.value) for code, score in existing.items() if code in typed
    }
    conflicts: dict[str, str] = {}
    current: dict[str, str] = {}
    for code in list(typed):
        indicator = indicators[code]
        if expected is not None and code in expected:
            shown = _typed_or_none(indicator, expected[code])
            if shown is not _UNREADABLE and _same(typed[code], shown):
                del typed[code]  # not touched by this editor: leave whatever is stored now
                continue
            if shown is _UNREADABLE or not _same(stored.get(code), shown):
                score = existing.get(code)
                now = display_value(indicator, stored.get(code)) or "未填报"
                was = display_value(indicator, None if shown is _UNREADABLE else shown) or "未填报"
                who = ""
                if score is not None:
                    user = score.entered_by
                    name = (user.get_full_name() or user.username) if user is not None else "系统"
                    who = f"{name}于{timezone.localtime(score.entered_at):%Y-%m-%d %H:%M}"
                conflicts[code] = (
                    f"{indicator.name}：已被他人修改（{who}改为 {now}，您打开页面时为 {was}）。"
                    "您的修改没有保存；如仍要修改，请核对后再次保存。"
                )
                current[code] = display_value(indicator, stored.get(code))
                continue
        if not may_enter_indicator(actor, indicator) and not _same(typed[code], stored.get(code)):
            errors[code] = (
                f"{indicator.name}：该指标由{indicator.entered_by_label.removesuffix('填报')}，您不能修改"
            )
    if conflicts:
        raise ScoreConflict({**errors, **conflicts}, current)
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    for code, value in typed.items():
        score = existing.get(code)
        if value is None:
            if score is not None:
                for evidence in score.evidence.select_related("uploaded_by", "score__org"):
                    if not may_delete_evidence(actor, evidence):
                        raise ValidationError(
                            {
                                code: f"{indicators[code].name}：有他人上传的佐证材料（{evidence.original_name}），"
                                "您无权删除，因此不能清空该指标"
                            }
                        )
                    # its evidence goes with it, files included
                    delete_evidence(actor, evidence, note or "清空指标值")
                score._history_user = real_user(actor)  # type: ignore[attr-defined]
                score._change_reason = note or "清空"  # type: ignore[attr-defined]
                score.delete()
                counts["deleted"] += 1
            continue
        new_value = to_stored(value)
        if score is not None and score.value == new_value:
            counts["unchanged"] += 1
            continue
        if score is None:
            score = Score(org=org, year=year, indicator_code=code)
            counts["created"] += 1
        else:
            counts["updated"] += 1
        score.value = new_value
        apply_cell(score, rb, value)
        score.rulebook = rb
        score.entered_by = real_user(actor)
        score.note = note[:300]
        save_with_history(score, actor, note)
    if any(counts[k] for k in ("created", "updated", "deleted")):
        invalidate(year, [org.pk])
    return counts


@transaction.atomic
def add_evidence(actor: Any, score: Score, uploaded: Any) -> Evidence:
    """Attach a file to a value. Raises ValidationError (Chinese) for a file that is too large or whose
    content is not an image, PDF, .docx or .xlsx — whatever its name says."""
    _check_can_enter(actor, score.org)
    check_value_guards(actor, score.org, score.year)
    check_evidence(uploaded)
    digest = content_sha256(uploaded)
    same = Evidence.objects.filter(score=score, sha256=digest).values_list("original_name", flat=True).first()
    if same is not None:
        raise ValidationError(f"这份文件已作为本指标的佐证材料上传过（“{excerpt(same)}”），无需重复上传")
    ev = Evidence(
        score=score,
        file=uploaded,
        original_name=uploaded.name[:255],
        sha256=digest,
        uploaded_by=real_user(actor),
    )
    invalidate(score.year, [score.org_id])  # the kept entry progress counts evidence
    try:
        with transaction.atomic():  # two uploads of one file at once: the unique constraint decides
            save_with_history(ev, actor, "上传佐证材料")
    except IntegrityError:
        if ev.file.name and ev.file.storage.exists(ev.file.name):
            ev.file.storage.delete(ev.file.name)  # stored before the row was refused
        raise ValidationError("这份文件已作为本指标的佐证材料上传过，无需重复上传") from None
    return ev


def content_sha256(uploaded: Any) -> str:
    """The SHA-256 of an uploaded file's content, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in iter(lambda: uploaded.read(1 << 16), b""):
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def delete_evidence(actor: Any, evidence: Evidence, reason: str = "") -> None:
    """Remove an evidence file (the history keeps who removed what, when and why; the stored file is
    deleted once the transaction commits). Only the uploader or a reviewer above them may."""
    _check_can_enter(actor, evidence.score.org)
    check_value_guards(actor, evidence.score.org, evidence.score.year)
    if not may_delete_evidence(actor, evidence):
        raise PermissionDenied("只有上传人或其上级审核人员可以删除这份佐证材料")
    storage, name = evidence.file.storage, evidence.file.name
    invalidate(evidence.score.year, [evidence.score.org_id])
    delete_with_history(evidence, actor, reason or "删除佐证材料")
    transaction.on_commit(lambda: storage.delete(name) if name and storage.exists(name) else None)


@transaction.atomic
def record_veto(
    actor: Any, org: OrgUnit, year: int, veto_code: str, occurred_on: dt.date, description: str
) -> VetoEvent:
    require_perm(actor, "starrules.record_veto", org)
    rb = active_rulebook(year, org.area_kind)
    if rb is None:
        raise ValidationError(f"{year}年尚未启用{org.get_area_kind_display()}星级细则")
    codes = {v.code for s in rb.rulebook.stars for v in s.vetoes}
    if veto_code not in codes:
        raise ValidationError({"veto_code": f"细则中没有否决项 {veto_code}"})
    if occurred_on.year != year:
        raise ValidationError({"occurred_on": f"发生日期应在 {year} 年内"})
    event = VetoEvent(
        org=org,
        year=year,
        veto_code=veto_code,
        occurred_on=occurred_on,
        description=description,
        recorded_by=real_user(actor),
    )
    save_with_history(event, actor, "登记一票否决事项")
    invalidate(year, [org.pk])
    log_decision(org, "veto_recorded", actor, to_state=veto_code, comment=description)
    return event


@transaction.atomic
def revoke_veto(actor: Any, event: VetoEvent, reason: str) -> VetoEvent:
    require_perm(actor, "starrules.record_veto", event.org)
    if not reason.strip():
        raise ValidationError({"reason": "撤销必须填写原因"})
    event.revoked_at = timezone.now()
    event.revoke_reason = reason
    save_with_history(event, actor, reason)
    invalidate(event.year, [event.org_id])
    log_decision(event.org, "veto_revoked", actor, from_state=event.veto_code, comment=reason)
    return event


# --- Excel template and import -----------------------------------------------------------------------------

ORG_CODE_COL = Column("org_code", "组织编码", required=True, width=12)
ORG_NAME_COL = Column("org_name", "组织名称", width=20, help="仅供核对，导入时以组织编码为准")


def score_columns(book: Rulebook) -> list[Column]:
    """One column per indicator; the header carries the indicator code in brackets, e.g.
    "村集体经济收入（万元）[cyxw.income]", so a renamed header still maps to the right indicator."""
    cols = [ORG_CODE_COL, ORG_NAME_COL]
    for star, ind in book.iter_indicators():
        unit = f"（{ind.unit}）" if ind.unit else ""
        header = f"{ind.name}{unit} [{ind.code}]"
        help_text = f"{star.name}｜{ind.form_label}｜{ind.entry_hint()}" + (
            ("｜名称为官方标准，分值为默认" if ind.official_name else "｜默认条目，非官方")
            if ind.placeholder
            else ""
        )
        choices = ["是", "否"] if ind.form == "yes_no" else ()
        cols.append(Column(ind.code, header, help=help_text, width=18, choices=choices))
    return cols


SCORE_IMPORT_RULES = (
    "数值的小数位：门槛型最多保留 4 位小数，评分型最多 2 位；小数位更多的（如公式算出的 18.549999）按四舍五入"
    "保留（18.55），不会报错。次数须为整数。",
    "百分比：单位为 % 的指标可以填 85、85% 或把单元格设为“百分比”格式后显示 85%（Excel 内部存为 0.85，"
    "导入时按 85 计）；没有设为百分比格式的 0.85 按 0.85 计。",
    "是否型填“是”或“否”（也可填 有/无、√/×、1/0）；留空的单元格不修改已有数据。",
    "数字过大或超出范围时，错误提示写明行号、列号、表头和允许的范围（如“最多 9999 次”“应为 0–100 之间的数”）。",
)


def score_example(indicator: Indicator) -> str:
    """An example cell for the 说明 sheet: what a met value looks like ("是", "12", "26 万元", "85%")."""
    if indicator.form == "yes_no":
        return "是"
    if indicator.form == "penalty":
        return "0"
    if indicator.counts:
        return str(max(indicator.effective_min_count, 1))
    if indicator.form == "threshold":
        assert indicator.target is not None
        return with_unit(indicator.target, indicator.unit)
    return format_number(indicator.effective_pass_points)


def score_examples(book: Rulebook, org: OrgUnit | None) -> list[Any]:
    """The 说明 sheet's example column: an organisation of the template, then one value per indicator."""
    first = [org.code, org.name] if org is not None else ["ZB001", "示例村党支部"]
    return [*first, *(score_example(ind) for _star, ind in book.iter_indicators())]


def score_sheet_title(rb: RulebookVersion) -> str:
    """The data sheet of the score template and of the filled export, e.g. "2023年农村得分"; the importer
    reads the sheet of this title."""
    return f"{rb.year}年{rb.get_kind_display()}得分"


def excel_value(book: Rulebook, code: str, value: Any) -> Any:
    """A cell as the office meant it: a percentage-formatted cell (Excel stores 85% as 0.85) is 85 for an
    indicator whose unit is %; for any other indicator it is the number the cell holds."""
    if isinstance(value, Percent):
        indicator = indicator_of(book, code)
        if indicator is not None and indicator.unit == "%":
            return value.as_percent()
        return float(value)
    return value


def import_scores(actor: Any, fileobj: Any, year: int, kind: str, note: str = "Excel 导入") -> ImportReport:
    """One row per organisation, one column per indicator; all rows or none."""
    rb = active_rulebook(year, kind)
    if rb is None:
        report = ImportReport()
        from wuxing.core.excel import CellError

        report.errors.append(CellError(1, None, "", f"{year}年尚未启用该类型的星级细则"))
        return report
    book = rb.rulebook
    columns = score_columns(book)
    orgs = {o.code: o for o in scope(OrgUnit.objects.filter(level=Level.BRANCH, area_kind=kind), actor)}
    seen: dict[str, int] = {}

    def handle(rownum: int, rec: dict[str, Any]) -> str:
        code = normalize_number(rec.pop("org_code", None)).upper()
        rec.pop("org_name", None)
        org = orgs.get(code)
        if org is None:
            raise RowError(
                f"找不到组织编码“{excerpt(code)}”（或不属于本细则的适用类型，或您无权填报）", "org_code"
            )
        if code in seen:
            raise RowError(f"组织编码“{excerpt(code)}”与第{seen[code]}行重复", "org_code")
        seen[code] = rownum
        if not actor.has_perm("starrules.enter_scores_for", org):
            raise RowError("您无权填报该组织的得分", "org_code")
        values = {k: excel_value(book, k, v) for k, v in rec.items() if v is not None}
        # a ValidationError names the indicator column
        counts = save_scores(actor, org, year, values, note, round_half_up=True)
        if not (counts["created"] or counts["updated"] or counts["deleted"]):
            return "unchanged"
        return "created" if counts["created"] and not counts["updated"] else "updated"

    report = run_import(fileobj, columns, handle, sheet=score_sheet_title(rb))
    if report.ok:
        log_decision(
            rb,
            "scores_imported",
            actor,
            comment=f"{year}年得分导入：{report.created + report.updated} 个组织",
        )
    return report
