"""A first page before any rulebook is active: it says so instead of showing empty charts."""

from __future__ import annotations

import pytest

from wuxing.rules.tests.helpers import text_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "street_a", "secretary_a", "unit"])
def test_a_first_page_without_an_active_rulebook_says_so(world, client_for, role):
    response = client_for(role).get("/")
    assert response.status_code == 200
    assert "尚未启用星级细则" in text_of(response)
