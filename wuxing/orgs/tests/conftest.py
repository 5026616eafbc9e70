from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
