"""A large organisation import in one thread while other users read and write in another.

Run by test_concurrent_import.py in a child process, on a fresh database of its own (an SQLite file —
WAL and locking are what is being tested, so never :memory: — or a new PostgreSQL database):

    python -m wuxing.orgs.tests.concurrency_probe ROWS

The import runs as the district admin in a thread (its own database connection); the main thread acts
as a street user on another connection: it lists organisations, edits one and creates branches in a
street the import is also writing to, and records every operation's start, end and error. Prints one
JSON object: the import's phases and the operations, for the test to judge.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from typing import Any


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("组织")
    ws.append(["所属街道/镇", "组织编码", "组织名称", "类型", "组织形式", "党员人数", "分包区直单位"])
    for i in range(rows):
        street, prefix = (("彰北街道", "ZB"), ("柏庄镇", "BZ"))[i % 2]
        # codes that sort between the existing ones, so the street's branches are renumbered
        ws.append([street, f"{prefix}00{i % 3}-{i:05d}", f"导入{i}村", "农村", "党支部", i % 90, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    rows = int(sys.argv[1])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from conftest import build_world
    from wuxing.core.scoping import visible_orgs
    from wuxing.orgs import services
    from wuxing.orgs.models import OrgUnit

    call_command("migrate", verbosity=0)
    world = build_world()
    content = workbook(rows)
    admin_pk, street_user_pk = world.users["admin"].pk, world.users["street_a"].pk
    started = time.perf_counter()

    def now() -> float:
        return round(time.perf_counter() - started, 4)

    phases: dict[str, Any] = {}

    def run_import() -> None:
        from wuxing.accounts.models import User

        def mark_write_start(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if "write_start" not in phases and sql.lstrip().upper().startswith(("BEGIN", "LOCK TABLE")):
                phases["write_start"] = now()
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(mark_write_start):
                phases["start"] = now()
                report = services.import_orgs(User.objects.get(pk=admin_pk), io.BytesIO(content))
                phases.update(created=report.created, messages=report.messages()[:3])
        except Exception as exc:  # reported to the test, which fails on it
            phases["error"] = repr(exc)
        finally:
            phases["end"] = now()
            connection.close()

    ops: list[dict[str, Any]] = []

    def op(kind: str, action: Any) -> None:
        entry: dict[str, Any] = {"kind": kind, "start": now()}
        try:
            action()
        except Exception as exc:
            entry["error"] = repr(exc)
        entry["end"] = now()
        ops.append(entry)

    from wuxing.accounts.models import User

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # never hang the test: a blocked statement fails after 30 s
            cursor.execute("SET lock_timeout = '30s'")
    street_user = User.objects.get(pk=street_user_pk)
    worker = threading.Thread(target=run_import)
    worker.start()
    i = 0
    while worker.is_alive() or i < 3:
        i += 1
        op("read", lambda: list(visible_orgs(street_user).values_list("code", "name")[:200]))
        op(
            "write",
            lambda n=i: services.update_org(
                street_user, OrgUnit.objects.get(code="ZB001"), {"member_count": 100 + n}, "并发修改"
            ),
        )
        op(
            "write",
            lambda n=i: services.create_branch(
                street_user,
                OrgUnit.objects.get(code="ZB"),
                {"code": f"ZB9{n:04d}", "name": f"并发{n}村", "area_kind": "rural", "branch_type": "branch"},
            ),
        )
        time.sleep(0.01)
    worker.join()
    street = OrgUnit.objects.get(code="ZB")
    codes = [c.code for c in OrgUnit.objects.get_children(street)]
    result = {
        "vendor": connection.vendor,
        "import": phases,
        "ops": ops,
        "rounds": i,
        "tree_problems": [list(p) for p in OrgUnit.objects.find_problems()],
        "street_sorted": codes == sorted(codes),
        "street_numchild": [street.numchild, len(codes)],
        "member_count": OrgUnit.objects.get(code="ZB001").member_count,
        "concurrent_branches": OrgUnit.objects.filter(code__startswith="ZB9").count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
