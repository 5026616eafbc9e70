"""Marking kept ratings stale (docs/decisions.md §24): called by every write that can change a rating,
inside its transaction. Kept apart from `kept` so that the services can import it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet

from wuxing.orgs.models import OrgUnit
from wuxing.rules.models import Rating, RulebookVersion


def invalidate(year: int | None = None, org_ids: Iterable[int] | QuerySet[Any] | None = None) -> int:
    """Mark kept ratings stale (call inside the writing transaction). Returns the rows marked."""
    qs = Rating.objects.all()
    if year is not None:
        qs = qs.filter(year=year)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids if isinstance(org_ids, QuerySet) else list(org_ids))
    return qs.update(fresh=False, generation=F("generation") + 1)


def invalidate_kind(rb: RulebookVersion) -> int:
    """Every kept rating of rb's year and kind (a version was activated or rescored)."""
    return invalidate(rb.year, OrgUnit.objects.filter(area_kind=rb.kind).values("pk"))
