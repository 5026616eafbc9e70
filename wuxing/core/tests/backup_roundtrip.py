"""Child process of test_backup.py: build an installation, back it up, damage it, restore it, and print
(as JSON) whether every table and every uploaded file came back exactly.

Runs with the production settings (DJANGO_SETTINGS_MODULE=wuxing.settings) on the database and var
directory the test gives it in the environment.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any


def snapshot() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from wuxing.core.backup import media_files

    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            tables[table] = sorted(repr(row) for row in cursor.fetchall())
    return {"tables": tables, "media": media_files(Path(settings.MEDIA_ROOT))}


def main(out_dir: str) -> None:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from wuxing.core import services as core_services
    from wuxing.core.management.base import system_user
    from wuxing.orgs import services as org_services
    from wuxing.rules import services as rule_services

    call_command("migrate", verbosity=0)
    actor = system_user()
    district = org_services.create_district(actor, code="BG", name="北关区")
    street = org_services.create_street(actor, {"code": "ZB", "name": "彰北街道", "street_kind": "street"})
    village = org_services.create_branch(
        actor,
        street,
        {
            "code": "ZB001",
            "name": "西漳涧村",
            "area_kind": "rural",
            "branch_type": "branch",
            "member_count": 40,
        },
    )
    rule_services.load_shipped(actor)
    rule_services.save_scores(actor, village, 2023, {"zbgy.org_life": "12"})
    score = village.scores.get(year=2023, indicator_code="zbgy.org_life")
    rule_services.add_evidence(
        actor, score, SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    )
    core_services.save_holiday_year(actor, 2027, "2027-01-01 元旦 放假", "测试", "录入")
    before = snapshot()

    call_command("backup", output=out_dir, stdout=io.StringIO())
    (archive,) = Path(out_dir).glob("wuxing-backup-*.tar")
    mode = archive.stat().st_mode & 0o777

    # damage: a changed name, a new row, a deleted upload, a stray file
    org_services.update_org(actor, village, {"name": "改名村"}, "测试")
    core_services.save_holiday_year(actor, 2028, "2028-01-01 元旦 放假", "测试", "录入")
    from django.conf import settings

    media = Path(settings.MEDIA_ROOT)
    for path in list(media.rglob("*")):
        if path.is_file():
            path.unlink()
    (media / "stray.txt").write_text("x")
    damaged = snapshot()

    call_command("restore", str(archive), yes=True, stdout=io.StringIO())
    after = snapshot()
    print(
        json.dumps(
            {
                "district": district.code,
                "mode": mode,
                "tables": len(before["tables"]),
                "rows": sum(len(rows) for rows in before["tables"].values()),
                "files": len(before["media"]),
                "damaged_differs": damaged != before,
                "tables_equal": before["tables"] == after["tables"],
                "media_equal": before["media"] == after["media"],
                "differing_tables": [
                    t for t in before["tables"] if before["tables"][t] != after["tables"].get(t)
                ],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
