"""Browser tests: pytest-django's live_server driven by Playwright (sync API) in Debian's Chromium.

`playwright install` cannot work on these machines, so Playwright launches /usr/bin/chromium
(apt packages `chromium` and `fonts-noto-cjk`). Without it the browser tests are skipped with a loud
message, except under CI=true, where they fail.

Two details that are easy to trip over:

* While Playwright's sync API is running, the main thread has a running asyncio loop, and Django's
  ORM refuses to work there (SynchronousOnlyOperation). The `browser` fixture therefore sets
  DJANGO_ALLOW_ASYNC_UNSAFE exactly for the browser's lifetime, and browser tests are moved to the end
  of the run so that no other test executes while that switch is on.
* live_server needs transactional_db (the server thread must see the test's data), so every browser
  test starts from an empty, flushed database and builds its own data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = Path(os.environ.get("WUXING_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last (stable order otherwise); see the module docstring."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


_not_run: list[str] = []


def _missing_chromium(reason: str) -> NoReturn:
    message = (
        f"\n{'!' * 78}\n!! BROWSER TESTS NOT RUN: {reason}\n"
        "!! Install it with: apt-get update && apt-get install -y chromium fonts-noto-cjk\n"
        f"{'!' * 78}\n"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + "CI=true: a missing browser is a failure, not a skip.", pytrace=False)
    _not_run.append(message)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat the reason at the very end of the run, where nobody can miss it."""
    for message in _not_run[:1]:
        terminalreporter.write(message, red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing_chromium(f"{CHROMIUM} not found (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev.lock installs it
        _missing_chromium(f"Playwright for Python is not installed ({exc})")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:
            _missing_chromium(f"{CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Factory for pages in fresh browser contexts (own cookies), aimed at the live server.

    `new_page(viewport={"width": 390, "height": 844})` for a phone; keyword arguments go to
    `browser.new_context`.
    """
    contexts: list[Any] = []
    violations: list[str] = []

    def make(**context_args: Any) -> Any:
        context_args.setdefault("locale", "zh-CN")
        context_args.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(base_url=live_server.url, **context_args)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: _note_csp_violation(msg, page, violations))
        page.csp_violations = violations  # for the tests that provoke one on purpose
        return page

    yield make
    for context in contexts:
        context.close()
    # Every browser test is also a test of the Content-Security-Policy: nothing on the pages it walked may
    # have been refused (an inline script or handler, a script or style from elsewhere).
    assert violations == [], f"Content-Security-Policy violations: {violations[:5]}"


def _note_csp_violation(msg: Any, page: Any, violations: list[str]) -> None:
    if msg.type == "error" and "Content Security Policy" in msg.text:
        violations.append(f"{page.url}: {msg.text[:300]}")


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def menu_link(page: Any, name: str) -> Any:
    """The main menu's entry `name`, ready to click: on a wide screen a grouped entry shows when its group
    is hovered (as a mouse user opens it); on a phone with the menu open every entry is showing already."""
    menu = page.get_by_role("navigation", name="主菜单")
    link = menu.get_by_role("link", name=name, exact=True)
    group = menu.locator(".menu-group").filter(
        has=page.get_by_role("link", name=name, exact=True, include_hidden=True)
    )
    if group.count() and not link.is_visible():
        group.locator(".menu-group-label").hover()
    return link


def _login(page: Any, username: str, password: str) -> Any:
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    with page.expect_navigation() as nav:
        page.locator("main form").get_by_role("button", name="登录").click()
    return nav.value


@pytest.fixture
def login() -> Callable[[Any, str, str], Any]:
    """`login(page, username, password)`: fill in and submit the real login form; returns the response."""
    return _login


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, int]:
    """The Beiguan demo: 10 streets/towns, 112 organisations, one account per role (password wuxing-demo)."""
    from wuxing.demo.services import ensure_demo_accounts, load_registry

    summary = load_registry()
    ensure_demo_accounts()
    return summary
