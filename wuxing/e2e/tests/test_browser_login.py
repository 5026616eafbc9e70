"""Logging in through the real form, and django-axes locking a username after five wrong passwords."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOCKED = "登录已被暂时锁定"
WRONG = "用户名或密码不正确"


def test_five_wrong_passwords_lock_the_account(new_page, login, world):
    page = new_page()
    for attempt in range(1, 5):
        response = login(page, "street_a", f"wrong-password-{attempt}")
        assert response.status == 200, attempt
        expect(page.locator("main .errorlist")).to_contain_text(WRONG)
        expect(page.locator("main")).not_to_contain_text(LOCKED)

    response = login(page, "street_a", "wrong-password-5")
    assert response.status == 429
    expect(page.get_by_role("heading", name=LOCKED)).to_be_visible()

    # Locked means locked: even the right password is refused now.
    response = login(page, "street_a", "pw-street-1")
    assert response.status == 429
    expect(page.get_by_role("heading", name=LOCKED)).to_be_visible()
    expect(page.get_by_role("navigation", name="主菜单")).to_have_count(0)

    # The lock is per username (and address): another account still logs in from the same browser host.
    other = new_page()
    login(other, "street_b", "pw-street-2")
    expect(other).to_have_url(re.compile(r"/$"))
    expect(other.get_by_role("navigation", name="主菜单")).to_be_visible()
