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
