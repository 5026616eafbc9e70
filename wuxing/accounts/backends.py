from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class DemoAwareModelBackend(ModelBackend):
    """Django's password backend, except that demo accounts are refused unless this is a demo installation
    (settings.WUXING_DEMO_LOGIN_ALLOWED, from WUXING_DEMO=1, which `make run` and `make dev` set; DEBUG
    plays no part). Applies to logging in and to every later request of a session."""

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.WUXING_DEMO_LOGIN_ALLOWED:
            return False
        return super().user_can_authenticate(user)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Authority is the rules of each app's ``rules.py`` (rules.permissions.ObjectPermissionBackend);
        Django's permission tables are never filled (no admin site, no groups). A permission the rules deny
        would otherwise cost two queries of those empty tables on every page that asks (decisions §85);
        a superuser keeps Django's meaning (every permission)."""
        if getattr(user_obj, "is_superuser", False):
            return super().get_all_permissions(user_obj, obj)
        return set()
