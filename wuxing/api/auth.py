"""API authentication: the browser session (CSRF-checked for unsafe methods) or a personal token.

A token acts exactly as its owner: the same role, the same scope (wuxing.core.scoping), the same refusals
(inactive accounts; demo accounts unless demo login is allowed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from wuxing.accounts.models import ApiToken

LAST_USED_PRECISION = dt.timedelta(minutes=1)


def user_may_use_api(user: Any) -> bool:
    if user is None or not user.is_active:
        return False
    if getattr(
        user, "must_change_password", False
    ):  # an administrator's password: change it on the web first
        return False
    return not (getattr(user, "is_demo", False) and not settings.WUXING_DEMO_LOGIN_ALLOWED)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer wx_…` — a token issued on the API 令牌 page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = (token or "").strip()
        if not token:
            return None
        api_token = ApiToken.objects.find(token)
        if api_token is None:
            return None
        user = api_token.user
        if not user_may_use_api(user):
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
            # At most one write a minute per token, and never a history row or a signal.
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """ninja's session authentication (with its CSRF check), refusing what the login refuses."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user_may_use_api(user) else None


token_auth = TokenAuth()
session_auth = SessionAuth(csrf=True)
# The token first: a script never carries a session, and a browser never sends a Bearer header.
API_AUTH = [token_auth, session_auth]
