"""Who may write in 补齐短板 (django-rules predicates; reading follows wuxing.core.scoping).

- district admin: everything;
- street/town staff: create, edit, assign and cancel the tasks of their own street's organisations, add
  notes and close them;
- secretary: add progress notes to their own organisation's tasks and close them (with evidence);
- dispatched unit: read its organisations' tasks; log help visits to them;
- leader: read only;
- training sessions and attendance: the district (everybody reads the sessions; the compliance
  report lists the secretaries a user can see).
"""

from __future__ import annotations

from typing import Any

import rules

from wuxing.orgs.rules import is_district_admin, is_secretary_of, is_street_staff, org_in_own_street


@rules.predicate
def task_in_own_street(user: Any, task: Any) -> bool:
    return task is not None and org_in_own_street(user, task.org)


@rules.predicate
def task_of_own_org(user: Any, task: Any) -> bool:
    return task is not None and is_secretary_of(user, task.org)


@rules.predicate
def is_unit_of(user: Any, org: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == "unit"
        and user.unit_id
        and org is not None
        and org.assigned_unit_id == user.unit_id
    )


rules.add_perm("boards.plan", is_district_admin | is_street_staff)  # the buttons; the object check follows
rules.add_perm("boards.create_task", is_district_admin | (is_street_staff & org_in_own_street))
rules.add_perm("boards.change_task", is_district_admin | (is_street_staff & task_in_own_street))
rules.add_perm(
    "boards.progress_task",
    is_district_admin | (is_street_staff & task_in_own_street) | task_of_own_org,
)
rules.add_perm("boards.log_visit", is_district_admin | is_unit_of)
rules.add_perm("boards.manage_training", is_district_admin)
rules.add_perm("boards.manage_groups", is_district_admin)  # 一星一专班  # sessions and their attendance
