"""Personal data is shown masked; every full view is logged for the district admin to read.

Which fields are personal is declared here (`PERSONAL_FIELDS`, by model label); pages, exports and the
change history show them through `mask()`. A page that shows a full value — a person's page after
"显示完整号码", the edit form, an export with full numbers — calls `log_full_view()` first, which writes one
`core.PersonalDataView` row: who, in which role, when, whose data (or how many people, for an export),
which field and where. The log is read on /privacy/log/ by the district admin only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

# model label → fields that hold personal data
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "orgs.person": frozenset({"phone"}),
    "members.applicant": frozenset({"id_number", "birth_date"}),
}


def is_personal(model_label: str, field: str) -> bool:
    return field in PERSONAL_FIELDS.get(model_label.lower(), frozenset())


def mask(value: str | None) -> str:
    """13812345678 → 138****5678; a shorter number keeps its last two digits; empty stays empty.

    The shape (length, the first digits of a mobile number) stays readable, so a clerk can tell a mobile
    from a landline and see that a number is there, without being able to call it."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) > 4:
        return "*" * (len(text) - 2) + text[-2:]
    return "*" * len(text)


def log_full_view(actor: Any, what: str, *, subject: Any = None, count: int = 1, where: str = "") -> None:
    """Record that `actor` saw full personal data: `what` (e.g. "手机号") of `subject` (a model instance),
    or of `count` people (an export), on `where` (the page)."""
    from wuxing.core.models import PersonalDataView

    PersonalDataView.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=str(getattr(actor, "role", "") or ""),
        what=what[:50],
        content_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        object_id=str(subject.pk) if subject is not None else "",
        subject=str(subject)[:100] if subject is not None else "",
        count=count,
        where=where[:200],
    )
