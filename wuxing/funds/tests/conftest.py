"""Fixtures for the funds tests: the module's world (street A 彰北街道: 西漳涧村 with secretary 李建国 since
2021-03-01, 阳光社区; street B 柏庄镇: 后万金村 with 王秀英), API clients per role, the shipped rulebooks."""

from __future__ import annotations

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.rules.tests.conftest import _rulebook_ids, rulebooks  # noqa: F401
