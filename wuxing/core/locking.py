"""No edit silently overwrites another: optimistic locking for registry rows, and races as messages.

How it works:
- A row that people edit through forms or the API carries ``lock_version`` (``Versioned``). Every save
  through ``core.services.save_with_history`` adds one to it.
- A form or an API write sends back the ``lock_version`` it was shown. The service calls
  ``check_version``, which locks the row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises every
  writing transaction already) and compares: if someone saved in between, it raises ``EditConflict``
  — "已被他人修改" with who changed what, when, from the change history — and nothing is written.
- Unique keys that two people may claim at the same moment (an organisation code, a current secretary)
  are protected by the database; ``integrity_to_validation`` turns the database's refusal into the same
  Chinese message a form would have given, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CONFLICT_MESSAGE = "已被他人修改"


class Versioned(models.Model):
    """A row edited by people: ``lock_version`` counts its saves (optimistic locking)."""

    lock_version = models.PositiveIntegerField(_("版本号"), default=0, editable=False)

    class Meta:
        abstract = True


class EditConflict(ValidationError):
    """The row changed since the editor loaded it. ``current`` is the row as it is now; ``changes`` lists
    (field label, value the editor saw, value now) and ``by``/``at`` say who saved last and when."""

    def __init__(
        self,
        current: models.Model,
        changes: list[tuple[str, str, str]],
        by: str,
        at: Any,
    ) -> None:
        self.current = current
        self.changes = changes
        self.by = by
        self.at = at
        super().__init__(conflict_text(by, at, changes))


def conflict_text(by: str, at: Any, changes: list[tuple[str, str, str]]) -> str:
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""
    who = f"{by}于{when}" if by else when
    detail = "；".join(f"{label}：{old} → {new}" for label, old, new in changes)
    text = f"{CONFLICT_MESSAGE}：{who}保存了新的内容"
    if detail:
        text += f"（{detail}）"
    return text + "。您的修改没有保存；请核对下方的最新内容，如仍需修改请再次提交。"


def parse_version(raw: Any) -> int | None:
    """The lock_version a form or an API call sent back (None when it sent none or nonsense)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    text = str(raw).strip()
    if not text or len(text) > 9 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def check_version(instance: models.Model, expected: int | None) -> None:
    """Lock ``instance``'s row and refuse with EditConflict unless its stored lock_version is ``expected``.

    ``expected=None`` (an import or a batch command, which replace by design) only takes the lock. Must run
    inside a transaction.
    """
    if instance.pk is None:
        return
    model = type(instance)
    current: Any = model._default_manager.select_for_update().get(pk=instance.pk)
    stored = current.lock_version
    if expected is None or expected == stored:
        instance.lock_version = stored  # type: ignore[attr-defined]
        return
    raise EditConflict(current, *_changes_since(current, expected))


def entered_meanwhile(current: models.Model) -> EditConflict:
    """The conflict of a row the editor never saw: it was created after the page was opened (who and when
    from its history, as for a changed row)."""
    return EditConflict(current, *_changes_since(current, current.lock_version))  # type: ignore[attr-defined]


def _changes_since(current: Any, seen_version: int) -> tuple[list[tuple[str, str, str]], str, Any]:
    """What changed between the version the editor saw and now, read from the change history."""
    from wuxing.core.history import HIDDEN_FIELDS, display_value

    history = getattr(current, "history", None)
    if history is None:
        return [], "", None
    records = list(history.filter(lock_version__gte=seen_version).select_related("history_user"))
    records.sort(key=lambda r: (r.lock_version, r.history_date, r.history_id))
    if not records:
        return [], "", None
    latest = records[-1]
    seen = next((r for r in records if r.lock_version == seen_version), None)
    changes: list[tuple[str, str, str]] = []
    if seen is not None and seen is not latest:
        for change in latest.diff_against(seen).changes:
            if change.field in HIDDEN_FIELDS or change.field == "lock_version":
                continue
            label = str(latest.instance_type._meta.get_field(change.field).verbose_name)
            changes.append((label, display_value(seen, change.field), display_value(latest, change.field)))
    user = latest.history_user
    by = (user.get_full_name() or user.username) if user is not None else ""
    return changes, by, latest.history_date


@contextmanager
def integrity_to_validation(messages: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Turn a unique-key race into a form-style ValidationError.

    ``messages`` maps a constraint or column name that may appear in the database's error text to
    (form field, Chinese message). The block runs in a savepoint so the surrounding transaction stays
    usable on PostgreSQL.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        text = str(exc)
        for needle, (field, message) in messages.items():
            if needle in text:
                raise ValidationError({field: message}) from exc
        raise ValidationError("保存时与他人的操作冲突，请刷新页面后重试") from exc
