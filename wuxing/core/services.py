"""Helpers every app's services use: authority checks, history attribution, the decision log."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction

from wuxing.core.holidays import MAX_YEAR, MIN_YEAR, canonical_text, day_kinds, parse_schedule
from wuxing.core.locking import CONFLICT_MESSAGE, Versioned, check_version, integrity_to_validation
from wuxing.core.models import DecisionLog, HolidayYear


def require_perm(actor: Any, perm: str, obj: Any = None) -> None:
    """Refuse (before anything is written) unless `actor` holds `perm` on `obj`."""
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied("您没有权限执行此操作")


def real_user(actor: Any) -> Any:
    """The User row behind an actor (None for the system identity of batch commands)."""
    return actor if isinstance(actor, models.Model) else None


def save_with_history(
    instance: models.Model, actor: Any, reason: str = "", *, expected_version: int | None = None
) -> None:
    """Save and make sure the history row says who did it and why (also outside a web request).

    A ``Versioned`` row is locked and its ``lock_version`` counted up; with ``expected_version`` (what a
    form or an API caller was shown) a row saved by someone else in between is refused with
    ``core.locking.EditConflict`` and nothing is written.
    """
    with transaction.atomic():
        if isinstance(instance, Versioned) and not instance._state.adding:
            check_version(instance, expected_version)
            instance.lock_version += 1
        if real_user(actor) is not None:
            instance._history_user = actor  # type: ignore[attr-defined]
        instance._change_reason = reason or ""  # type: ignore[attr-defined]
        instance.full_clean()
        instance.save()


def delete_with_history(instance: models.Model, actor: Any, reason: str = "") -> None:
    if real_user(actor) is not None:
        instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason or ""  # type: ignore[attr-defined]
    pk = instance.pk
    instance.delete()
    # Tree nodes (treebeard) delete through a queryset, so the "-" history row is written for a freshly
    # fetched copy that never saw _history_user/_change_reason: put who and why on that row here.
    history = getattr(type(instance), "history", None)
    if history is not None:
        deleted = history.filter(**{instance._meta.pk.attname: pk}, history_type="-")
        record = deleted.order_by("-history_id").first()
        if record is not None:
            record.history_user = real_user(actor) or record.history_user
            record.history_change_reason = reason or ""
            record.save(update_fields=["history_user", "history_change_reason"])


def log_decision(
    target: models.Model,
    action: str,
    actor: Any,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
) -> DecisionLog:
    return DecisionLog.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=real_user(actor),
        actor_role=getattr(actor, "role", "") or "",
        comment=comment,
    )


def keep_writers_out(*models: type[models.Model]) -> None:
    """Inside a transaction, first thing: other transactions may still read these tables but not write
    them until this one ends (bulk imports check their rows again and then write them).

    PostgreSQL needs an explicit table lock. EXCLUSIVE mode lets plain SELECTs through and blocks writes
    and row locks (SELECT … FOR UPDATE) too: a page that locked a row and then waits to update it, while
    the import waits to renumber that row, would otherwise deadlock. A transaction that already holds
    such locks finishes first; the import then goes. SQLite needs nothing: its IMMEDIATE transactions
    already hold the database's single write lock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("keep_writers_out() must run inside transaction.atomic()")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")


def save_holiday_year(
    actor: Any,
    year: int,
    text: str,
    source: str,
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> Any:
    """Enter or correct a year's official holiday schedule (district admin). The text is checked and
    stored in its canonical form; with `expected_version` a schedule saved by someone else in between
    is refused (EditConflict) and nothing is written."""
    require_perm(actor, "core.manage_holidays")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    entries = parse_schedule(text, year)
    with transaction.atomic():
        # A New Year's break at the edge may be entered in either year's schedule, but only in one.
        mine = set(day_kinds(entries))
        for other in HolidayYear.objects.filter(year__in=(year - 1, year + 1)):
            clash = mine & set(day_kinds(parse_schedule(other.entries, other.year)))
            if clash:
                day = min(clash).isoformat()
                raise ValidationError(f"{day} 已在 {other.year} 年的安排中填写，请只在一处填写")
        schedule = HolidayYear.objects.filter(year=year).first()
        if schedule is None:
            if expected_version:  # the form was shown a schedule that has since been deleted
                raise ValidationError(f"{CONFLICT_MESSAGE}：该年度的安排已被删除，请重新填写")
            schedule = HolidayYear(year=year)
        schedule.entries = canonical_text(entries)
        schedule.source = source.strip()
        with integrity_to_validation({"year": ("year", f"{year} 年的安排刚由他人录入，请刷新后再修改")}):
            save_with_history(schedule, actor, reason, expected_version=expected_version)
    return schedule


def delete_holiday_year(actor: Any, year: int, reason: str) -> None:
    """Remove an entered schedule; the package's data (if it has the year) applies again."""
    require_perm(actor, "core.manage_holidays")
    with transaction.atomic():
        schedule = HolidayYear.objects.select_for_update().filter(year=year).first()
        if schedule is not None:
            delete_with_history(schedule, actor, reason)
