"""Who may change the funding parameters and import earlier years' levels: the district only. Reading
the entitlements is scoped like everything else (wuxing.core.scoping)."""

from __future__ import annotations

import rules

from wuxing.orgs.rules import is_district_admin, is_secretary_of, is_street_staff, org_in_own_street

rules.add_perm("funds.manage", is_district_admin)  # parameters, history import, approving claims
# creation spending claims: the organisation's secretary, its street or the district submits; the street
# (its own organisations) or the district verifies or returns
rules.add_perm(
    "funds.submit_claim", is_district_admin | (is_street_staff & org_in_own_street) | is_secretary_of
)
rules.add_perm("funds.verify_claim", is_district_admin | (is_street_staff & org_in_own_street))
