"""Who may change the funding parameters and import earlier years' levels: the district only. Reading
the entitlements is scoped like everything else (wuxing.core.scoping)."""

from __future__ import annotations

import rules

from wuxing.orgs.rules import is_district_admin

rules.add_perm("funds.manage", is_district_admin)
