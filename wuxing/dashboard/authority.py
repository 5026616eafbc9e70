"""Who may reach the dashboard (the authority table; wuxing/core/authority.py explains the terms)."""

from __future__ import annotations

from wuxing.core.authority import EVERYONE, allow, page

ROUTES = [page("dashboard:home", get=allow(EVERYONE))]
