"""Prints the size of the authority matrix at the end of every test run (registered in conftest.py).

Each matrix test records what it tried as a user property ("authority_matrix"); user properties travel
with the test reports, so the sums are also right when pytest-xdist runs the tests in several workers.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

_pages: set[str] = set()
_operations: set[tuple[str, str]] = set()
_totals = {"route_methods": 0, "combinations": 0, "requests": 0, "failed": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, recorded in report.user_properties:
        if name != "authority_matrix":
            continue
        value = cast(dict[str, Any], recorded)
        _totals["requests"] += value["requests"]
        _totals["failed"] += int(report.failed)
        if "method" in value:  # one declared (route, method) tried by every caller on every side
            _totals["route_methods"] += 1
            _totals["combinations"] += value["combinations"]
            if value["api"]:
                _operations.add((value["method"], value["route"]))
            else:
                _pages.add(value["route"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _totals["requests"]:
        return
    verdict = "all as declared" if not _totals["failed"] else f"{_totals['failed']} tests FAILED"
    terminalreporter.write_sep("-", "authority matrix (wuxing/core/tests/test_authority_matrix.py)")
    terminalreporter.write_line(
        f"{len(_pages)} URL names + {len(_operations)} API operations: {_totals['route_methods']} route ×"
        f" method × (5 roles + anonymous) × own/other = {_totals['combinations']} combinations;"
        f" {_totals['requests']} requests with the undeclared methods; {verdict}"
    )
