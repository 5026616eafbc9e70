from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
