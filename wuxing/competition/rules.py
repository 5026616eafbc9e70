"""Who may change what in 动态竞争: the district sets the parameters, the checklist and the goals, confirms
or rejects downgrade proposals and keeps the reserve pool; a street scores its own organisations monthly,
organises its own observation tours and keeps its weak branches' rectification. Reading is scoped like
everything else (wuxing.core.scoping)."""

from __future__ import annotations

import rules

from wuxing.orgs.rules import is_district_admin, is_street_staff, org_in_own_street

rules.add_perm("competition.manage", is_district_admin)
# monthly scores and weak branches of an organisation: its street or the district
rules.add_perm("competition.score", is_district_admin | (is_street_staff & org_in_own_street))
