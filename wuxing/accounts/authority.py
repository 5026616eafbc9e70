"""Who may reach each account page (the authority table; wuxing/core/authority.py explains the terms).

Accounts are managed by the district alone: for anybody else an account page does not exist (404) and
the account lists answer 403. Everybody changes their own password and keeps their own API tokens.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ACCOUNT,
    ACCOUNT_TOKEN,
    ADMIN,
    ANONYMOUS,
    EVERYONE,
    INACTIVE_ACCOUNT,
    NOBODY,
    ROLES,
    TOKEN,
    allow,
    page,
)

NEW_PASSWORD = "Wuxing-Zhibu-2024"


def password_change(o: Any, role: str) -> dict[str, Any]:
    return {"old_password": o.password_of[role], "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}


def user_create(o: Any, role: str) -> dict[str, Any]:
    return {"username": "new_leader", "full_name": "新领导", "role": "leader", "reason": "新任"}


def user_edit(o: Any, role: str) -> dict[str, Any]:
    return {"full_name": "改名", "role": "street_staff", "street": o.street.pk, "reason": "核对"}


REASON = {"reason": "核对"}

ROUTES = [
    page(
        "accounts:login",
        public=True,
        # A logged-in user is sent on to the home page.
        get=allow(EVERYONE | {ANONYMOUS}, ok={ANONYMOUS: 200, **dict.fromkeys(ROLES, 302)}),
        post=allow(
            EVERYONE | {ANONYMOUS},
            ok=302,
            data=lambda o, role: {"username": "leader", "password": "pw-leader-1"},
            changes=None,  # anonymous: last login recorded; logged in: only redirected
        ),
    ),
    page("accounts:logout", post=allow(EVERYONE, ok=302)),  # django-axes records the logout
    page(
        "accounts:password_change",
        get=allow(EVERYONE),
        post=allow(EVERYONE, ok=302, data=password_change),
    ),
    page("accounts:users", get=allow(ADMIN)),
    page("accounts:user_create", get=allow(ADMIN), post=allow(ADMIN, data=user_create)),  # shows the password
    page(
        "accounts:secretary_accounts",
        get=allow(ADMIN),
        post=allow(ADMIN, data=lambda o, role: {"orgs": [o.branch.pk]}),  # shows the passwords
    ),
    page("accounts:user", ACCOUNT, get=allow(ADMIN)),
    page("accounts:user_edit", ACCOUNT, get=allow(ADMIN), post=allow(ADMIN, ok=302, data=user_edit)),
    page(
        "accounts:user_deactivate",
        ACCOUNT,
        get=allow(ADMIN),
        post=allow(ADMIN, ok=302, data=lambda o, role: REASON),
    ),
    page(
        "accounts:user_reactivate",
        INACTIVE_ACCOUNT,
        get=allow(ADMIN),
        post=allow(ADMIN, ok=302, data=lambda o, role: REASON),
    ),
    page(
        "accounts:user_reset_password",
        ACCOUNT,
        get=allow(ADMIN),
        post=allow(ADMIN, data=lambda o, role: REASON),  # shows the new password
    ),
    page("accounts:user_token_revoke", ACCOUNT_TOKEN, post=allow(ADMIN, ok=302)),
    page(
        "accounts:tokens",
        get=allow(EVERYONE),
        post=allow(EVERYONE, data=lambda o, role: {"name": "统计脚本"}),  # shows the new token
    ),
    # Only one's own token: street B's token is absent for everybody here, the district included.
    page("accounts:token_revoke", TOKEN, post=allow(own=EVERYONE, other=NOBODY, ok=302)),
]
