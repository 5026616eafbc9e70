"""Login throttling behind a reverse proxy: the real client's address, and only from a trusted proxy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from wuxing.accounts.client_ip import client_ip, parse_networks

PROXY = "10.0.0.5"


def ip_of(settings: Any, proxies: str, remote: str, forwarded: str | None = None) -> str | None:
    settings.TRUSTED_PROXIES = parse_networks(proxies)
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    "proxies, remote, forwarded, expected",
    [
        ("", PROXY, "203.0.113.7", PROXY),  # no trusted proxy configured: the header is ignored
        ("10.0.0.0/8", "198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not from the proxy: ignored
        ("10.0.0.0/8", PROXY, "203.0.113.7", "203.0.113.7"),
        ("10.0.0.0/8", PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # 1.2.3.4 typed by the client
        ("10.0.0.0/8", PROXY, "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies in a row
        ("10.0.0.0/8", PROXY, "10.0.0.8, 10.0.0.9", PROXY),  # only proxies: the connection's address
        ("10.0.0.0/8", PROXY, None, PROXY),
        ("10.0.0.0/8", PROXY, "not-an-ip", PROXY),  # a damaged header trusts nothing in it
        ("10.0.0.0/8", PROXY, "203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.0/8, ::1", "::1", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.0.0.5", PROXY, "198.51.100.1, " * 500 + "203.0.113.7", "203.0.113.7"),  # bounded
    ],
)
def test_the_client_address(
    settings: Any, proxies: str, remote: str, forwarded: str | None, expected: str
) -> None:
    assert ip_of(settings, proxies, remote, forwarded) == expected


def test_a_bad_proxy_setting_names_the_entry() -> None:
    with pytest.raises(ValueError, match=r"“10\.0\.0\.300” is not an IP address"):
        parse_networks("127.0.0.1, 10.0.0.300")


@pytest.mark.django_db
def test_two_clients_behind_the_proxy_are_throttled_apart(settings: Any, world: Any) -> None:
    settings.TRUSTED_PROXIES = parse_networks("10.0.0.0/8")
    mallory = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    leader = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    for _ in range(5):
        mallory.post("/accounts/login/", {"username": "leader", "password": "wrong"})
    assert (
        mallory.post("/accounts/login/", {"username": "leader", "password": "pw-leader-1"}).status_code == 429
    )
    # the real leader, from another address behind the same proxy, is not locked out
    assert (
        leader.post("/accounts/login/", {"username": "leader", "password": "pw-leader-1"}).status_code == 302
    )


@pytest.mark.django_db
def test_a_client_cannot_escape_its_lockout_by_forging_the_header(settings: Any, world: Any) -> None:
    settings.TRUSTED_PROXIES = parse_networks("10.0.0.0/8")
    for n in range(6):
        forged = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        response = forged.post("/accounts/login/", {"username": "leader", "password": "wrong"})
    assert response.status_code == 429
