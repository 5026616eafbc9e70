"""A deadline day on province-sized data (run through `python -m bench.load`, which prepares the data and
the accounts and starts the production server).

Secretaries submit their own self-assessment once and otherwise look at their first page, their
assessment and their star card; street staff look at their first page and their street's assessments and
forward the submitted ones; leaders read the province's first page and the ratings page. Think times of a
few seconds between clicks. A response counts as a failure when it is not 200 (or the redirect that follows
a successful form), or when a form answer does not carry the success message.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

DATA: dict[str, Any] = json.loads(open(os.environ["WUXING_LOAD_USERS"], encoding="utf-8").read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="lock_version" value="(\d+)"')
_taken: dict[str, int] = {}


def _next(kind: str) -> dict[str, Any]:
    """Each simulated person gets its own account (round robin when there are more users than accounts)."""
    accounts = DATA[kind]
    i = _taken.get(kind, 0)
    _taken[kind] = i + 1
    return accounts[i % len(accounts)]


class Person(HttpUser):
    abstract = True
    wait_time = between(2, 8)
    kind = ""

    def on_start(self) -> None:
        self.account = _next(self.kind)
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": DATA["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="login",
        )

    def form_post(self, page_url: str, post_url: str, name: str, data: dict[str, str]) -> None:
        page = self.client.get(page_url, name=f"{name}: page")
        token, version = CSRF.search(page.text), VERSION.search(page.text)
        if token is None or version is None:
            return
        with self.client.post(
            post_url,
            data={"csrfmiddlewaretoken": token.group(1), "lock_version": version.group(1), **data},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code >= 400 or "errorlist" in response.text:
                response.failure(f"{response.status_code}: refused")  # a saved form redirects to its page
            else:
                response.success()


class Secretary(Person):
    weight = 14
    kind = "secretaries"

    def on_start(self) -> None:
        super().on_start()
        self.submitted = False

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="secretary: first page")

    @task(2)
    def assessment(self) -> None:
        self.client.get(f"/reviews/assessments/{self.account['assessment']}/", name="secretary: assessment")

    @task(1)
    def card(self) -> None:
        self.client.get(f"/stars/orgs/{self.account['org']}/", name="secretary: star card")

    @task(2)
    def submit(self) -> None:
        if self.submitted:  # done: looks at the first page instead (a task without a request would leave
            self.home()  # the connection idle past the server's keep-alive, which a browser retries unseen)
            return
        pk = self.account["assessment"]
        page = f"/reviews/assessments/{pk}/"
        self.form_post(page, page, "secretary: target level", {"target_level": str(random.randint(3, 5))})
        self.form_post(
            page, f"/reviews/assessments/{pk}/submit/", "secretary: submit", {"comment_text": "按期提交自评"}
        )
        self.submitted = True


class StreetStaff(Person):
    weight = 5
    kind = "streets"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="street: first page")

    @task(2)
    def assessments(self) -> None:
        cycle = random.choice(DATA["cycles"])
        self.client.get(f"/reviews/{cycle}/?state=submitted", name="street: its assessments")

    @task(2)
    def forward(self) -> None:
        waiting = self.account["submitted"]
        if not waiting:  # everything forwarded: looks at the list instead (see Secretary.submit)
            self.assessments()
            return
        pk = waiting.pop()
        self.form_post(
            f"/reviews/assessments/{pk}/",
            f"/reviews/assessments/{pk}/forward/",
            "street: forward",
            {"comment_text": "初评通过"},
        )


class Leader(Person):
    weight = 1
    kind = "leaders"

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="leader: first page")

    @task(1)
    def ratings(self) -> None:
        self.client.get(f"/stars/ratings/?page={random.randint(1, 1000)}", name="leader: ratings page")
