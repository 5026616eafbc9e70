"""Small shared view helpers: pagination, sort links, export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.http import HttpRequest
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
