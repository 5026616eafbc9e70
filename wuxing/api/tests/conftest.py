"""API fixtures: a token per role, and a client that calls the API with a Bearer token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def token_for(world: Any) -> Any:
    from wuxing.accounts.models import ApiToken

    def issue(role: str) -> str:
        _token, raw = ApiToken.issue(world.users[role], "测试")
        return raw

    return issue


@pytest.fixture
def bearer(token_for: Any) -> Any:
    """`bearer(role).get(url)` calls the API as that role's token (no session)."""

    def make(role: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(role)}"})

    return make
