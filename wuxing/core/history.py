"""Reading django-simple-history: one entry per change with field-level before/after."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

from wuxing.core.privacy import is_personal, mask

# Kept in Chinese (templates and tests compare them); history.html translates them for display.
TYPE_LABELS = {"+": gettext_noop("新建"), "~": gettext_noop("修改"), "-": gettext_noop("删除")}
HIDDEN_FIELDS = {"path", "depth", "numchild", "id", "lock_version"}


@dataclass
class HistoryEntry:
    at: Any
    user: Any
    kind: str
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def display_value(record: Any, name: str) -> str:
    """A history record's value of one field, as a person reads it."""
    model_field = record.instance_type._meta.get_field(name)
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return "—"
    if is_personal(record.instance_type._meta.label_lower, name):
        return mask(str(value))  # the history never shows personal data in full (core/privacy.py)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        related = getattr(record, name, None)
        return str(related) if related is not None else str(value)
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return str(value)


def history_entries(obj: Any, limit: int = 50) -> list[HistoryEntry]:
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    entries: list[HistoryEntry] = []
    for idx, record in enumerate(records[:limit]):
        previous = records[idx + 1] if idx + 1 < len(records) else None
        entry = HistoryEntry(
            at=record.history_date,
            user=record.history_user,
            kind=TYPE_LABELS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
        )
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                if change.field in HIDDEN_FIELDS:
                    continue
                label = str(record.instance_type._meta.get_field(change.field).verbose_name)
                entry.changes.append(
                    (label, display_value(previous, change.field), display_value(record, change.field))
                )
        entries.append(entry)
    return entries
