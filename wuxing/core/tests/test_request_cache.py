"""Lookups cached for one read-only request: asked twice in a GET, read once; a write request and code
outside a request read every time; a caller changing what it got does not change the next answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from wuxing.core.forms import LongSelect
from wuxing.core.request_cache import RequestCacheMiddleware, per_request

calls: list[int] = []


@per_request
def lookup(year: int) -> dict[str, int]:
    calls.append(year)
    return {"year": year}


def view(request: Any) -> HttpResponse:
    first = lookup(2023)
    first["changed"] = 1  # the caller's copy
    second = lookup(2023)
    lookup(2024)
    return HttpResponse(f"{sorted(second)}")


@pytest.mark.parametrize(("method", "reads"), [("get", [2023, 2024]), ("post", [2023, 2023, 2024])])
def test_a_read_request_asks_once_a_write_request_every_time(method, reads):
    calls.clear()
    request = getattr(RequestFactory(), method)("/")
    response = RequestCacheMiddleware(view)(request)
    assert calls == reads
    assert response.content == b"['year']"  # the first caller's change is not in the cache


def test_outside_a_request_nothing_is_cached():
    calls.clear()
    lookup(2023)
    lookup(2023)
    assert calls == [2023, 2023]


def test_the_cache_ends_with_its_request():
    calls.clear()
    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    assert calls == [2023, 2024, 2023, 2024]


@per_request
def scoped(year: int, *, street: str | None = None) -> list[Any]:
    calls.append(year)
    return [year, street]


def test_a_default_given_or_left_out_is_the_same_question():
    calls.clear()

    def page(request: Any) -> HttpResponse:
        answers = [scoped(2023), scoped(2023, street=None), scoped(year=2023), scoped(2023, street="ZB")]
        return HttpResponse(repr(answers))

    response = RequestCacheMiddleware(page)(RequestFactory().get("/"))
    assert calls == [2023, 2023]  # once without a street, once with one
    assert response.content == b"[[2023, None], [2023, None], [2023, None], [2023, 'ZB']]"


def test_long_select_writes_the_same_options_escaped_with_the_choice_selected():
    widget = LongSelect(choices=[("", "全部"), ("7", "<柏庄镇>"), ("8", "彰北街道")])
    html = widget.render("street", "7", attrs={"id": "id_street"})
    assert html == (
        '<select id="id_street" name="street"><option value="">全部</option>'
        '<option value="7" selected>&lt;柏庄镇&gt;</option><option value="8">彰北街道</option></select>'
    )
    assert "selected" not in widget.render("street", None)
