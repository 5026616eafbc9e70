"""The client's address for login throttling, behind a reverse proxy only when the proxy is trusted.

`WUXING_TRUSTED_PROXIES` (settings.TRUSTED_PROXIES) lists the reverse proxies' addresses or networks
("127.0.0.1, 10.0.0.0/8"). When the connection comes from one of them, the client is the right-most
address of X-Forwarded-For that is not itself a trusted proxy (each proxy appends the address it saw, so
everything to the left of the last untrusted hop may have been typed by the client). From anywhere else
the header is ignored: a client cannot choose its own address to escape a lockout. Empty (the default):
REMOTE_ADDR, as without a proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # settings.py imports parse_networks before Django is set up
    from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HEADER = 1000  # characters of X-Forwarded-For looked at, from its right end (the proxies' part)
MAX_HOPS = 20


def parse_networks(text: str) -> list[Network]:
    """ "127.0.0.1, 10.0.0.0/8" → networks; raises ValueError naming a bad entry."""
    networks = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"WUXING_TRUSTED_PROXIES: “{part[:50]}” is not an IP address or network"
            ) from exc
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: object, proxies: Iterable[Network]) -> bool:
    return any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies: list[Network] = getattr(settings, "TRUSTED_PROXIES", [])
    remote_address = _address(remote or "")
    if not proxies or remote_address is None or not _trusted(remote_address, proxies):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "")[-MAX_HEADER:].split(",")[
        -MAX_HOPS:
    ]  # the right end counts
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote  # a damaged header: trust nothing in it
        if not _trusted(address, proxies):
            return str(address)
    return remote
