"""What the star-rating pages share: the visible organisation, the years offered, the year asked for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.core.views import int_param
from wuxing.orgs.models import Level
from wuxing.rules.kept import rating_years


def _branch(request: HttpRequest, pk: int) -> Any:
    """A village/community organisation the user can see, or 404."""
    return get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)


def _years() -> list[int]:
    """Years with an active rulebook, the current rating year first (`kept.rating_years`)."""
    return rating_years()


def _year(request: HttpRequest) -> int:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    return year if year is not None else _years()[0]
