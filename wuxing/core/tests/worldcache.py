"""The conftest `world`, built once per test module instead of once per test.

The module fixture builds the world inside a transaction that is rolled back when the module ends (the
pattern of Django's TestCase.setUpTestData); every test still runs in its own savepoint (the `db`
fixture), so what a test writes is undone after it. Each test gets freshly fetched objects, so an
object changed in memory by one test never reaches the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from conftest import World, build_world

OBJECT_FIELDS = (
    "district",
    "street_a",
    "street_b",
    "village_a",
    "community_a",
    "village_b",
    "unit",
    "other_unit",
    "secretary_a",
)


@pytest.fixture(scope="module")
def _world_ids(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        ids = {
            "objects": {
                name: (type(getattr(built, name)), getattr(built, name).pk) for name in OBJECT_FIELDS
            },
            "users": {role: user.pk for role, user in built.users.items()},
        }
        yield ids
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_ids: dict[str, Any], db: Any) -> World:
    from wuxing.accounts.models import User

    objects = {name: model.objects.get(pk=pk) for name, (model, pk) in _world_ids["objects"].items()}
    users = {u.pk: u for u in User.objects.filter(pk__in=_world_ids["users"].values())}
    return World(users={role: users[pk] for role, pk in _world_ids["users"].items()}, **objects)
