"""What the star-rating pages share: the visible organisation, the years offered, the year asked for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.orgs.models import Level
from wuxing.rules.models import RulebookVersion, Score


def _branch(request: HttpRequest, pk: int) -> Any:
    """A village/community organisation the user can see, or 404."""
    return get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)


def _years() -> list[int]:
    """Years with an active rulebook, the default first: the latest year that has scores (a year just
    cloned for next season stays selectable but does not become the default while it is empty)."""
    years = sorted(
        set(RulebookVersion.objects.filter(is_active=True).values_list("year", flat=True)), reverse=True
    )
    if not years:
        return [today().year]
    latest = Score.objects.filter(year__in=years).order_by("-year").values_list("year", flat=True).first()
    if latest is not None and latest != years[0]:
        years.remove(latest)
        years.insert(0, latest)
    return years


def _year(request: HttpRequest) -> int:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    return year if year is not None else _years()[0]
