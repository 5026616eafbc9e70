from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login, except the login page itself, static files and the API (which answers
    401 with its own authentication: session or token)."""

    open_prefixes = ("/api/", "/static/", "/i18n/")

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
