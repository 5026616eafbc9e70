"""Demo data of later apps, loaded after the registry. Each hook is idempotent and returns a message."""

from __future__ import annotations

from collections.abc import Callable

HOOKS: list[Callable[[], str | None]] = []
