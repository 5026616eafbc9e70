"""Backup and restore round trip: every table and every uploaded file comes back exactly.

The installation lives in a child process with the production settings on a database of the run's kind
(SQLite file, or a fresh PostgreSQL database through pg_dump / pg_restore), see backup_roundtrip.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from wuxing.settings import PROJECT_DIR


def test_a_backup_restores_every_table_and_every_file(production_env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wuxing.core.tests.backup_roundtrip", str(tmp_path / "backups")],
        env=production_env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["damaged_differs"] is True  # the damage was real
    assert report["differing_tables"] == []
    assert report["tables_equal"] and report["media_equal"]
    assert report["files"] == 1 and report["rows"] > 100 and report["tables"] > 30
    assert report["mode"] == 0o600  # the archive is the owner's alone


@pytest.mark.django_db
def test_restore_asks_for_confirmation_and_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    bogus = tmp_path / "x.tar"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="不是本平台的备份文件"):
        call_command("restore", str(bogus), "--yes", stdout=io.StringIO())
    with tarfile.open(tmp_path / "evil.tar", "w") as tar:
        manifest = tmp_path / "manifest.json"
        manifest.write_text(
            json.dumps(
                {
                    "format": 1,
                    "created_at": "2026-12-01",
                    "vendor": "oracle",
                    "migrations": {},
                    "tables": {},
                    "media": {},
                }
            )
        )
        tar.add(manifest, arcname="manifest.json")
    with pytest.raises(CommandError, match="加 --yes"):
        call_command("restore", str(tmp_path / "evil.tar"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="只能恢复到同一种数据库"):
        call_command("restore", str(tmp_path / "evil.tar"), "--yes", stdout=io.StringIO())


def _archive(tmp_path: Path, manifest: dict[str, object], extra: dict[str, bytes]) -> Path:
    path = tmp_path / "b.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **extra}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db
def test_restore_refuses_a_newer_program_and_foreign_entries(tmp_path: Path) -> None:
    from django.db import connection

    db_name = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    base = {"format": 1, "created_at": "x", "vendor": connection.vendor, "tables": {}, "media": {}}
    newer = _archive(tmp_path, {**base, "migrations": {"core": "9999_future"}, "database_sha256": ""}, {})
    with pytest.raises(CommandError, match=r"更新版本的程序.*core\.9999_future"):
        call_command("restore", str(newer), "--yes", stdout=io.StringIO())
    evil = _archive(
        tmp_path,
        {**base, "migrations": {}, "database_sha256": ""},
        {db_name: b"x", "../../etc/cron.d/x": b"x"},
    )
    with pytest.raises(CommandError, match="不应出现的条目"):
        call_command("restore", str(evil), "--yes", stdout=io.StringIO())
    damaged = _archive(tmp_path, {**base, "migrations": {}, "database_sha256": "0" * 64}, {db_name: b"x"})
    with pytest.raises(CommandError, match="已损坏"):
        call_command("restore", str(damaged), "--yes", stdout=io.StringIO())
