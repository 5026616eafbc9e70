"""The self-assessment deadline through the production server (issue 13 item 4): 50 secretaries submit at
the same moment, a secretary double-clicks "提交", and two reviewers change the same value at once — no
lost update, no server error, and whoever loses a race is told so in Chinese.

The real gunicorn (3 workers × 8 threads, DEBUG off) serves wuxing.wsgi in a child process on a database
of the run's kind (`production_environment`: an SQLite file in WAL mode, or a fresh PostgreSQL database),
built by deadline_probe.py through the services the pages use. Every client logs in through the login form
with its own cookies and CSRF token, opens its page, waits at a barrier and then posts the page's form;
what the server wrote is read back by `deadline_probe check`.

On PostgreSQL the requests' transactions really run side by side (row locks order the two writers of one
row). SQLite takes one writing transaction at a time (BEGIN IMMEDIATE); the others wait for the lock (up to
the configured 20 s), so the 50 submits queue and are served one after another — the assertions are the
same on both. The wall time from the barrier to the last response is printed (run with -s).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from conftest import production_environment
from wuxing.core.tests.test_production_server import _free_port
from wuxing.reviews.tests.deadline_probe import INDICATOR, PASSWORD, VALUE_BRANCH
from wuxing.settings import PROJECT_DIR

BIN = Path(sys.executable).parent
SECRETARIES = 50
CONFLICT = "已被他人修改"


@dataclass
class Server:
    base: str
    env: dict[str, str]
    ids: dict[str, int]
    log: Path

    def check(self) -> dict[str, Any]:
        return probe(self.env, "check")

    def errors(self) -> str:
        text = self.log.read_text(errors="replace")
        return text if "Traceback" in text or "Internal Server Error" in text else ""


def probe(env: dict[str, str], action: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "wuxing.reviews.tests.deadline_probe", action],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("deadline")
    with production_environment(tmp) as env:
        env.update(DJANGO_DEBUG="0", SECURE_COOKIES="0", WUXING_DEMO="0")
        ids = {code: int(pk) for code, pk in probe(env, "prepare").items()}
        port = _free_port()
        log = tmp / "gunicorn.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "wuxing.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "3",
                    "--threads",
                    "8",
                ],
                env=env,
                cwd=PROJECT_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/accounts/login/", timeout=10).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
                    time.sleep(0.2)
            yield Server(base, env, ids, log)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer of its own here


@dataclass
class Response:
    status: int
    body: str
    location: str


class Browser:
    """One person's browser: its own cookies (session, CSRF), no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> Response:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=120) as response:
                return Response(response.status, response.read().decode(), "")
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(), exc.headers.get("Location", ""))

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        response = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token(page.body), "username": username, "password": PASSWORD},
        )
        assert response.status == 302 and "/accounts/login/" not in response.location, (
            username,
            response.status,
            response.body[-500:],
        )


def token(body: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert match, "no CSRF token on the page"
    return match.group(1)


def hidden(body: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert match, f"no {name} on the page"
    return match.group(1)


def submit_form(browser: Browser, pk: int) -> dict[str, str]:
    """What the assessment page's "提交" form sends: its CSRF token and the lock_version it showed."""
    page = browser.get(f"/reviews/assessments/{pk}/")
    assert page.status == 200, page.status
    return {"csrfmiddlewaretoken": token(page.body), "lock_version": hidden(page.body, "lock_version")}


def together(calls: list[Any]) -> tuple[list[Response], float]:
    """Run the prepared requests at the same moment (each thread waits at a barrier after its own set-up
    and fires when all are ready): their responses and the seconds from the barrier to the last response."""
    started: list[float] = []
    barrier = threading.Barrier(len(calls), action=lambda: started.append(time.monotonic()))

    def run(call: Any) -> tuple[Response, float]:
        fire = call()
        barrier.wait(timeout=180)
        response = fire()
        return response, time.monotonic()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(run, calls))
    return [r for r, _ in results], max(t for _, t in results) - started[0]


def test_fifty_secretaries_submit_at_the_same_moment(server: Server) -> None:
    codes = [f"ZB{i:03d}" for i in range(1, SECRETARIES + 1)]
    before = server.check()["assessments"]

    def secretary(i: int) -> Any:
        def prepare() -> Any:
            browser = Browser(server.base)
            browser.login(f"sec{i:02d}")
            pk = server.ids[codes[i - 1]]
            fields = {**submit_form(browser, pk), "comment_text": ""}
            return lambda: browser.post(f"/reviews/assessments/{pk}/submit/", fields)

        return prepare

    responses, seconds = together([secretary(i) for i in range(1, SECRETARIES + 1)])
    print(
        f"\n{SECRETARIES} submits on {connection.vendor}: {seconds:.2f} s from the barrier to the last response"
    )

    assert [r.status for r in responses] == [302] * SECRETARIES, [
        (r.status, r.body[-300:]) for r in responses if r.status != 302
    ]
    assert not server.errors()
    after = server.check()["assessments"]
    for code in codes:
        assert after[code] == {
            "state": "submitted",
            "lock_version": before[code]["lock_version"] + 1,
            "submit_logs": 1,
            "submitted_history": 1,
        }, code
    assert sum(a["submit_logs"] for a in after.values()) == SECRETARIES + 1  # and ZB052's, from the set-up


def test_a_double_click_on_submit_submits_once_and_tells_the_second_click(server: Server) -> None:
    pk = server.ids["ZB051"]
    browser = Browser(server.base)
    browser.login("sec51")
    fields = {**submit_form(browser, pk), "comment_text": ""}
    version = int(fields["lock_version"])

    def click() -> Any:
        return lambda: browser.post(f"/reviews/assessments/{pk}/submit/", fields)

    responses, _seconds = together([click, click])

    assert sorted(r.status for r in responses) == [200, 302], [(r.status, r.body[-300:]) for r in responses]
    loser = next(r for r in responses if r.status == 200)
    assert CONFLICT in loser.body and "您的修改没有保存" in loser.body
    assert not server.errors()
    state = server.check()["assessments"]["ZB051"]
    assert state == {
        "state": "submitted",
        "lock_version": version + 1,
        "submit_logs": 1,
        "submitted_history": 1,
    }


def test_two_reviewers_change_the_same_value_at_once(server: Server) -> None:
    pk = server.ids[VALUE_BRANCH]
    new_values = {"reviewer1": "80", "reviewer2": "70"}

    def reviewer(username: str) -> Any:
        def prepare() -> Any:
            browser = Browser(server.base)
            browser.login(username)
            page = browser.get(f"/reviews/assessments/{pk}/")
            assert page.status == 200, page.status
            shown = re.search(
                rf'name="indicator" value="{re.escape(INDICATOR)}"><input type="hidden" name="shown" '
                r'value="([^"]*)"',
                page.body,
            )
            assert shown, "no change form for the value"
            fields = {
                "csrfmiddlewaretoken": token(page.body),
                "indicator": INDICATOR,
                "shown": shown.group(1),
                "value": new_values[username],
                "reason": f"{username}核减",
            }
            return lambda: browser.post(f"/reviews/assessments/{pk}/value/", fields)

        return prepare

    responses, _seconds = together([reviewer("reviewer1"), reviewer("reviewer2")])

    assert sorted(r.status for r in responses) == [200, 302], [(r.status, r.body[-300:]) for r in responses]
    winner = "reviewer1" if responses[0].status == 302 else "reviewer2"
    loser = responses[1] if winner == "reviewer1" else responses[0]
    # the loser sees who changed the value to what, and what their page showed
    assert CONFLICT in loser.body
    assert f"{winner}于" in loser.body
    assert f"改为 {new_values[winner]}" in loser.body and "您打开页面时为 85" in loser.body
    assert not server.errors()
    state = server.check()
    assert state["value_changes"] == [{"from": "85", "to": new_values[winner], "by": winner}]
    assert state["value"] == new_values[winner]
    assert state["value_logs"] == 1
