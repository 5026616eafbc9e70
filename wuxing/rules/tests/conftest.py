"""Fixtures for the star-rules tests: the `world` (built once per module) with the shipped 2023
rulebooks loaded and active."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.management.base import system_user
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.rules.tests.helpers import YEAR


@pytest.fixture(scope="module")
def _rulebook_ids(_world_ids: dict[str, Any], django_db_blocker: Any) -> Iterator[dict[str, int]]:  # noqa: F811
    """The shipped rulebooks, loaded once per module on top of its world (rolled back at the end, like
    the world itself); every test still runs in its own savepoint."""
    from wuxing.rules import services

    with django_db_blocker.unblock(), transaction.atomic():
        created = services.load_shipped(system_user())
        yield {rb.kind: rb.pk for rb in created}
        transaction.set_rollback(True)


@pytest.fixture
def rulebooks(_rulebook_ids: dict[str, int], world: Any) -> dict[str, Any]:  # noqa: F811
    """The shipped 2023 rulebooks, loaded and active: {"rural": RulebookVersion, "community": …}.

    Once a test of a module asks for them they exist for the rest of that module, so a test that needs
    a year without rules uses another year rather than assuming an empty table."""
    from wuxing.rules.models import RulebookVersion

    return {kind: RulebookVersion.objects.get(pk=pk) for kind, pk in _rulebook_ids.items()}


@pytest.fixture
def save() -> Callable[..., dict[str, int]]:
    """save(org, values, actor=system) → services.save_scores for 2023."""
    from wuxing.rules import services

    def run(org: Any, values: dict[str, Any], actor: Any = None, note: str = "") -> dict[str, int]:
        return services.save_scores(actor or system_user(), org, YEAR, values, note)

    return run
