"""Backup and restore of one installation: the database and the uploaded files, in one archive.

`wuxing backup` writes `wuxing-backup-YYYYMMDD-HHMMSS.tar` (owner-only) holding:
- `database.sqlite3` — SQLite's online backup of the live database (consistent while the app runs), or
  `database.pgdump` — `pg_dump --format=custom` of the PostgreSQL database;
- `media/…` — every uploaded file (evidence), as stored;
- `manifest.json` — when, which database kind, the latest migration of each app, the number of rows of
  every table and the SHA-256 of every file, so that a restore can prove it put everything back.

`wuxing restore ARCHIVE --yes` puts both back (app stopped, see docs/operator.md §10): the database by
SQLite's backup API into the configured file, or `pg_restore --clean --if-exists --single-transaction`;
the uploads by extracting into a new directory that then replaces `media/` (the old one is removed only
after the swap). It refuses an archive of another database kind, one made by a newer version of the code
(migrations this code does not have), and an archive whose files do not match its manifest. After the
restore it counts every table again and compares with the manifest.

The secret key is not in the archive: back it up separately (docs/operator.md §10).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from wuxing.core.workdays import SHANGHAI

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator, in Chinese."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> dict[str, str]:
    """Relative POSIX path → SHA-256 of every file under `root`."""
    if not root.exists():
        return {}
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(root).as_posix()] = _sha256(path)
    return files


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def applied_migrations() -> dict[str, str]:
    """App label → the name of its latest applied migration."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    latest: dict[str, str] = {}
    for app, name in sorted(loader.applied_migrations):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（Debian 包 postgresql-client）"
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{result.stderr.strip()[-500:]}")


def backup(output_dir: Path, progress: Callable[[str], None] = lambda s: None) -> Path:
    """Write the archive into `output_dir` and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(tz=SHANGHAI).strftime("%Y%m%d-%H%M%S")
    target = output_dir / f"wuxing-backup-{stamp}.tar"
    if target.exists():
        raise BackupError(f"{target} 已存在")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="wuxing-backup-") as tmp:
        work = Path(tmp)
        progress("数据库")
        if connection.vendor == "sqlite":
            db_file = work / SQLITE_NAME
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            dest = sqlite3.connect(str(db_file))
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        elif connection.vendor == "postgresql":
            db_file = work / PG_NAME
            env, args = _pg_env_and_args()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    *args,
                    "--file",
                    str(db_file),
                ],
                env,
                "pg_dump ",
            )
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        progress("上传文件")
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(tz=dt.UTC).isoformat(),
            "vendor": connection.vendor,
            "migrations": applied_migrations(),
            "tables": table_counts(),
            "database_sha256": _sha256(db_file),
            "media": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = target.with_suffix(".tar.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(db_file, arcname=db_file.name)
            for rel in files:
                tar.add(media_root / rel, arcname=f"media/{rel}")
        partial.rename(target)  # a backup cut short never looks complete
    return target


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive) as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read(1 << 24))
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} 不是本平台的备份文件（{exc}）") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("备份文件格式版本不符")
    return manifest


def check_restorable(manifest: dict[str, Any]) -> None:
    if manifest["vendor"] != connection.vendor:
        kinds = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"备份来自 {kinds.get(manifest['vendor'], manifest['vendor'])}，当前数据库是 "
            f"{kinds.get(connection.vendor, connection.vendor)}：只能恢复到同一种数据库"
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known]
    if unknown:
        raise BackupError(
            "备份来自更新版本的程序（本程序没有这些迁移：" + "、".join(unknown[:5]) + "），请先升级程序"
        )


def _safe_members(tar: tarfile.TarFile, manifest: dict[str, Any]) -> list[tarfile.TarInfo]:
    expected = {MANIFEST, SQLITE_NAME if manifest["vendor"] == "sqlite" else PG_NAME}
    expected |= {f"media/{rel}" for rel in manifest["media"]}
    members = []
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        if member.name not in expected or path.is_absolute() or ".." in path.parts or not member.isfile():
            raise BackupError(f"备份文件中有不应出现的条目：{member.name[:100]}")
        members.append(member)
    missing = expected - {m.name for m in members}
    if missing:
        raise BackupError(f"备份文件不完整，缺少：{sorted(missing)[0]}")
    return members


def restore(archive: Path, progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Put the archive's database and uploads back; returns the manifest. The app must be stopped."""
    manifest = read_manifest(archive)
    check_restorable(manifest)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)  # next to media/, so the swap is one rename
    with tempfile.TemporaryDirectory(prefix="wuxing-restore-", dir=media_root.parent) as tmp:
        work = Path(tmp)
        progress("检查备份文件")
        with tarfile.open(archive) as tar:
            tar.extractall(work, members=_safe_members(tar, manifest), filter="data")
        db_name = SQLITE_NAME if manifest["vendor"] == "sqlite" else PG_NAME
        if _sha256(work / db_name) != manifest["database_sha256"]:
            raise BackupError("备份中的数据库文件已损坏（校验值不符）")
        if media_files(work / "media") != manifest["media"]:
            raise BackupError("备份中的上传文件已损坏或不全（校验值不符）")
        progress("数据库")
        connections.close_all()
        if manifest["vendor"] == "sqlite":
            source = sqlite3.connect(str(work / db_name))
            dest = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        else:
            env, args = _pg_env_and_args()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    str(work / db_name),
                ],
                env,
                "pg_restore ",
            )
        progress("上传文件")
        incoming = work / "media"
        incoming.mkdir(exist_ok=True)
        old = work / "media-before-restore"
        if media_root.exists():
            media_root.rename(old)
        incoming.rename(media_root)
        media_root.chmod(0o700)
    counts = table_counts()
    differ = [t for t, n in manifest["tables"].items() if counts.get(t) != n]
    if differ:
        raise BackupError(f"恢复后行数与备份不符：{', '.join(differ[:5])}")
    return manifest
