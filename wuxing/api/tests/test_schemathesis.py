"""The API fuzzed by schemathesis from its own OpenAPI schema: no input gives a server error, and the
answers conform to the schema.

The schema is read from /api/v1/openapi.json of the in-process WSGI application (the same Django the
tests use, on SQLite or PostgreSQL as DATABASE_URL says), and every operation is called with generated
valid (positive) and invalid (negative) parameters, with the API token of a district admin and of a
secretary. The number of examples is bounded so the whole run takes well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from wuxing.core.management.base import system_user

pytestmark = pytest.mark.django_db

EXAMPLES = 10  # per operation, role and mode: 11 operations × 2 roles × 2 modes × 10 ≈ 440 requests
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@contextmanager
def database_kept_open() -> Iterator[None]:
    """A real WSGI handler closes "old" database connections around each request, which would close the
    test's transaction; Django's own test client switches that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def scored_world(world: Any) -> Any:
    """The two-street world with the shipped rulebooks and a few values, so ratings have content."""
    from wuxing.rules import services
    from wuxing.rules.tests.helpers import RURAL_FULL, YEAR

    actor = system_user()
    services.load_shipped(actor)
    services.save_scores(actor, world.village_a, YEAR, RURAL_FULL)
    services.save_scores(actor, world.village_b, YEAR, {"cyxw.income": "18", "stjy.toilets": "85"})
    return world


def test_no_input_gives_a_server_error_and_answers_conform_to_the_schema(
    scored_world: Any, token_for: Any
) -> None:
    with database_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
        results = list(schema.get_all_operations())
        operations = [result.ok() for result in results if isinstance(result, Ok)]
        assert operations and len(operations) == len(results), results  # the schema loads whole
        for role in ("admin", "secretary_a"):
            headers = {"Authorization": f"Bearer {token_for(role)}"}
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    fuzz(operation, mode, headers)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    call()
