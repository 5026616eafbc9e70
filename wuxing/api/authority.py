"""Who may reach the API root's own routes (the authority table; wuxing/core/authority.py explains the
terms). Each app declares its API operations in its own authority.py, next to its pages.

The schema and the docs page are public (they describe the API and hold no data, decision 11).
"""

from __future__ import annotations

from wuxing.core.authority import ANONYMOUS, ANY, EVERYONE, METHODS, NOBODY, Target, allow, api, page

EVERYBODY = EVERYONE | {ANONYMOUS}
NO_PAGE = Target("no page", lambda o, role: {}, {ANY: NOBODY})

ROUTES = [
    page("api-1.0.0:openapi-json", public=True, get=allow(EVERYBODY)),
    page("api-1.0.0:openapi-view", public=True, get=allow(EVERYBODY)),
    # django-ninja's root only serves to build the operations' URLs: 404 for everybody, whatever the method
    # (in JSON, like every error under /api/).
    page("api-1.0.0:api-root", NO_PAGE, public=True, **{m.lower(): allow(NOBODY) for m in METHODS}),
    api("/api/v1/me", get=allow(EVERYONE)),
]
