"""Small shared view helpers: pagination, sort links, safe integer query parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from wuxing.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request to a page: LoginRequiredMiddleware lets only logged-in users reach the views (for type
    checking views that read the user's own fields)."""

    user: User


class HtmxHttpRequest(HttpRequest):
    """The request as django-htmx's HtmxMiddleware leaves it (for type checking views that read
    ``request.htmx``; as django-htmx's documentation recommends)."""

    htmx: HtmxDetails


def paginate(request: HttpRequest, qs: Any, per_page: int = 50) -> tuple[Any, str]:
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def querystring_without(request: HttpRequest, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


# The largest primary key (a 64-bit signed integer); a longer number can only be a typing error.
MAX_ID = 2**63 - 1


def plain_int(raw: str | None, *, min_value: int = 1, max_value: int = MAX_ID) -> int | None:
    """``raw`` as an int when it is ASCII digits only and within range, else None.

    Only ASCII digits count: '①'.isdigit() and '٣'.isdigit() are True but int('①') fails and
    int('٣') is 3. The length is checked before int(), so 5,000 digits cost nothing.
    """
    text = (raw or "").strip()
    if not text or len(text) > len(str(max_value)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if min_value <= value <= max_value else None


def int_param(
    request: HttpRequest,
    name: str,
    *,
    label: str,
    min_value: int = 1,
    max_value: int = MAX_ID,
    source: QueryDict | None = None,
) -> int | None:
    """An integer query-string parameter (an id, a year…), or None when it is absent or invalid.

    An invalid value is ignored with a warning naming the filter ("筛选条件“街道/镇”无效，已忽略"), so a
    hand-edited or hostile link still shows the page instead of an error.
    """
    raw = (source if source is not None else request.GET).get(name, "")
    value = plain_int(raw, min_value=min_value, max_value=max_value)
    if value is None and raw.strip():
        messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": label})
    return value
