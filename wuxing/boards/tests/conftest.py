"""Fixtures for the 补齐短板 tests: the module's world with the shipped 2023 rulebooks."""

from __future__ import annotations

from typing import Any

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.rules.tests.conftest import _rulebook_ids, rulebooks  # noqa: F401

PDF = b"%PDF-1.4 photo"


def pdf(name: str = "照片.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def db_state() -> dict[str, Any]:
    """What a refused action must leave alone."""
    from wuxing.boards.models import HelpVisit, Task, TaskNote
    from wuxing.core.models import DecisionLog

    return {
        "tasks": list(
            Task.objects.order_by("pk").values_list(
                "pk", "status", "lock_version", "title", "owner", "deadline"
            )
        ),
        "notes": list(TaskNote.objects.order_by("pk").values_list("pk", "text", "evidence")),
        "visits": list(HelpVisit.objects.order_by("pk").values_list("pk", "visited_on", "money")),
        "logs": DecisionLog.objects.count(),
        "history": Task.history.count(),
    }
