"""The rules tests' fixtures: the world built once per module, the shipped 2023 rulebooks on top."""

from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401
from wuxing.rules.tests.conftest import _rulebook_ids, rulebooks, save  # noqa: F401
