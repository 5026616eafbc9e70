"""Lookups that several parts of one page repeat (the rating years, a year's rulebook versions, which
kinds of a year are named) answered once per request.

`RequestCacheMiddleware` opens a cache for each GET or HEAD request and drops it when the response is
made; `per_request` functions look there first. A request that writes (POST, PUT, PATCH, DELETE) gets no
cache, and outside a request (commands, jobs, tests calling services) nothing is cached, so what a write
changes is always read fresh. Results come back as shallow copies: a caller may change the dict or list
it got without changing what the next caller reads.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

_cache: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "wuxing_request_cache", default=None
)
SAFE_METHODS = frozenset({"GET", "HEAD"})
F = TypeVar("F", bound=Callable[..., Any])


def per_request(func: F) -> F:
    """Cache `func`'s result for the rest of the current read-only request (arguments must be hashable)."""
    name = f"{func.__module__}.{func.__qualname__}"
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = _cache.get()
        if cache is None:
            return func(*args, **kwargs)
        # f(user, year) and f(user, year, street=None) are the same question: one key
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = (name, tuple(bound.arguments.items()))
        if key not in cache:
            cache[key] = func(*args, **kwargs)
        return copy.copy(cache[key])

    return wrapper  # type: ignore[return-value]


class RequestCacheMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _cache.set({})
        try:
            return self.get_response(request)
        finally:
            _cache.reset(token)
