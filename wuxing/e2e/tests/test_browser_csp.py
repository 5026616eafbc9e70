"""The Content-Security-Policy is on and the pages work under it.

Every browser test fails on a policy violation (conftest.new_page); this one walks every menu entry of the
district admin, the API docs and the forms with behaviours, and shows that the policy really refuses
what it should (an injected inline handler does not run, and is reported).
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"


def test_every_menu_page_works_under_the_policy(page: Any, login: Any, demo: Any) -> None:
    login(page, "admin", DEMO_PASSWORD)
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    links = page.eval_on_selector_all("nav.menu a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) >= 8
    for href in [*links, "/api/v1/docs", "/accounts/users/new/", "/accounts/users/secretaries/"]:
        assert page.goto(href).status == 200, href
    # the API docs page draws Swagger UI from django-ninja's own static files
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info")
    # behaviours moved out of inline handlers still work: the account form shows one scope field per role
    page.goto("/accounts/users/new/")
    page.select_option("[name=role]", "unit")
    assert page.is_visible('[data-field="unit"]') and not page.is_visible('[data-field="street"]')
    page.select_option("[name=role]", "street_staff")
    assert page.is_visible('[data-field="street"]') and not page.is_visible('[data-field="unit"]')
    assert page.csp_violations == []


def test_the_policy_refuses_an_injected_inline_handler(page: Any, login: Any, demo: Any) -> None:
    login(page, "leader", DEMO_PASSWORD)
    page.goto("/")
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend', '<img src="/static/none.png" onerror="window.injected = 1">')"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in v for v in page.csp_violations)
    page.csp_violations.clear()  # provoked on purpose
