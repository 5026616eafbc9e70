"""Who may write in 发展党员 (django-rules predicates; reading follows wuxing.core.scoping).

- the organisation's secretary: the organisation's own steps (those marked "branch" in steps.json), its
  requests and notices, its new applicants;
- street/town staff (the town/street committee): everything of the organisations in their street,
  including the committee's steps and the approvals (批复);
- district admin: everything, the yearly quotas, the versions of the rules, the register import, and the
  only one who may record a step against a rule (with a recorded reason);
- leader, dispatched units: read only (never the full identity number).
"""

from __future__ import annotations

from typing import Any

import rules

from wuxing.orgs.rules import is_district_admin, is_secretary_of, is_street_staff, org_in_own_street


@rules.predicate
def applicant_in_own_street(user: Any, applicant: Any) -> bool:
    return applicant is not None and org_in_own_street(user, applicant.org)


@rules.predicate
def applicant_of_own_org(user: Any, applicant: Any) -> bool:
    return applicant is not None and is_secretary_of(user, applicant.org)


committee = is_district_admin | (is_street_staff & applicant_in_own_street)

rules.add_perm("members.add", is_district_admin | (is_street_staff & org_in_own_street) | is_secretary_of)
rules.add_perm("members.record", committee | applicant_of_own_org)  # the organisation's steps and requests
rules.add_perm("members.approve", committee)  # the committee's steps and approvals
rules.add_perm("members.reveal", committee | applicant_of_own_org)  # the full identity number (logged)
rules.add_perm("members.override", is_district_admin)
rules.add_perm("members.manage", is_district_admin)  # quotas, rule versions, register import
