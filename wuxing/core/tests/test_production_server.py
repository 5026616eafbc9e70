"""`make run` is shaped like production: the real gunicorn serving wuxing.wsgi with DEBUG off and the demo
switch on. An unknown URL is the Chinese 404 page (never Django's technical page with its list of URLs),
the login page is titled with the product's name (not the host and port), and whitenoise serves the
collected static files.

The server runs in a child process on a free port, with its own WUXING_VAR_DIR (a migrated temporary
SQLite database, a collected static directory, its own secret key file) — nothing of the checkout's var/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("var")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "DJANGO_DEBUG"}
    }
    env.update(
        {
            "WUXING_VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'wuxing.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "WUXING_DEMO": "1",
            "SECURE_COOKIES": "0",
        }
    )
    for command in (["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]):
        subprocess.run([str(BIN / "wuxing"), *command], env=env, cwd=PROJECT, check=True, timeout=300)
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "wuxing.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/accounts/login/")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"gunicorn did not start: {err[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_an_unknown_url_is_the_chinese_404_page(server: str) -> None:
    status, body, _headers = _get(f"{server}/no-such-page/")
    assert status == 404
    assert "页面不存在" in body
    assert "五星支部创建管理平台" in body
    for leak in ("URLconf", "Traceback", "DEBUG = True", "wuxing.urls", "Using the URLconf"):
        assert leak not in body


def test_the_login_page_is_titled_with_the_product_name(server: str) -> None:
    status, body, _headers = _get(f"{server}/accounts/login/")
    assert status == 200
    assert "<title>登录 · 五星支部创建管理平台</title>" in body
    assert "★ 五星支部创建管理平台" in body
    assert "127.0.0.1" not in body
    assert "演示环境" in body  # the demo switch, not DEBUG, lets the demo accounts in


def test_whitenoise_serves_the_collected_static_files(server: str) -> None:
    status, body, headers = _get(f"{server}/static/css/wuxing.css")
    assert status == 200
    assert "text/css" in headers.get("Content-Type", "")
    assert (PROJECT / "wuxing/static/css/wuxing.css").read_text().strip()[:40] in body


def test_the_production_server_sends_the_security_headers(server: str) -> None:
    _status, _body, headers = _get(f"{server}/accounts/login/")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


# The production environment documented in docs/operator.md §2 and §7 (a TLS-terminating proxy in front).
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-only-9f3a1c7e5b2d8046a7e1c9b3d5f70812",
    "ALLOWED_HOSTS": "wuxing.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://wuxing.example.gov.cn",
    "WUXING_BEHIND_HTTPS_PROXY": "1",
    "WUXING_HTTPS": "1",
    "WUXING_TRUSTED_PROXIES": "127.0.0.1",
}


def _check_deploy(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_DEBUG", "WUXING_DEMO", *PRODUCTION_ENV}
    }
    env.update(WUXING_VAR_DIR=str(tmp_path / "var"), **PRODUCTION_ENV)
    env.update(overrides)
    return subprocess.run(
        [str(BIN / "wuxing"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, warning",
    [
        ({"DJANGO_DEBUG": "1"}, "security.W018"),  # DEBUG on
        ({"WUXING_HTTPS": "0"}, "security.W004"),  # no HSTS
    ],
)
def test_check_deploy_catches_an_unsafe_setting(
    tmp_path: Path, overrides: dict[str, str], warning: str
) -> None:
    result = _check_deploy(tmp_path, **overrides)
    assert result.returncode != 0 and warning in result.stdout + result.stderr
