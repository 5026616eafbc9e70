"""A large organisation import killed in the middle of writing (test_crash_safety.py drives it).

    python -m wuxing.orgs.tests.crash_probe prepare            # migrate and build the small world
    python -m wuxing.orgs.tests.crash_probe victim ROWS MARKER # import; freeze inside the write, after rows went in
    python -m wuxing.orgs.tests.crash_probe check ROWS         # what is in the database now; import again

The victim runs the real import (services.import_orgs) with a statement wrapper that, once rows of the
import have been inserted inside its writing transaction, creates MARKER and sleeps: the test then kills
the process with SIGKILL — no exception handler, no rollback, no atexit — as a power cut or the OOM
killer would. `check` prints (as JSON) the organisations and history rows found, the database's own
integrity check (SQLite) and whether the same import then succeeds (no lock or half-written state left).
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from wuxing.orgs.tests.concurrency_probe import workbook


def setup() -> None:
    import django

    django.setup()


def prepare() -> None:
    setup()
    from django.core.management import call_command

    from conftest import build_world

    call_command("migrate", verbosity=0)
    build_world()
    print(json.dumps({"ok": True}))


def admin() -> Any:
    from wuxing.accounts.models import User

    return User.objects.get(username="admin")


def victim(rows: int, marker: Path) -> None:
    setup()
    from django.db import connection

    from wuxing.orgs import services

    inserted = {"rows": 0}

    def freeze_mid_write(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("INSERT INTO") and "orgs_orgunit" in sql:
            inserted["rows"] += 1
            if inserted["rows"] >= 2 and connection.in_atomic_block:
                marker.write_text(json.dumps({"statements": inserted["rows"]}))
                time.sleep(600)  # killed here, inside the transaction
        return result

    content = workbook(rows)
    with connection.execute_wrapper(freeze_mid_write):
        services.import_orgs(admin(), io.BytesIO(content))
    print(json.dumps({"finished": True}))  # never reached when the test kills it


def check(rows: int) -> None:
    setup()
    from django.db import connection

    from wuxing.orgs import services
    from wuxing.orgs.models import OrgUnit

    state: dict[str, Any] = {
        "orgs": OrgUnit.objects.count(),
        "imported": OrgUnit.objects.filter(name__startswith="导入").count(),
        "history": OrgUnit.history.filter(name__startswith="导入").count(),
        "tree_problems": [list(p) for p in OrgUnit.objects.find_problems()],
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            state["integrity"] = cursor.fetchone()[0]
    report = services.import_orgs(admin(), io.BytesIO(workbook(rows)))
    state["again_created"] = report.created
    state["again_messages"] = report.messages()[:3]
    state["orgs_after"] = OrgUnit.objects.count()
    print(json.dumps(state, ensure_ascii=False))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        prepare()
    elif command == "victim":
        victim(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        check(int(sys.argv[2]))
