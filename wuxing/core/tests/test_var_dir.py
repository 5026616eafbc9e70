"""What lives under WUXING_VAR_DIR is private to the app's account, and its locks are per installation.

These tests start the real `wuxing` command (python -m wuxing.manage) and the WSGI module in child
processes with their own WUXING_VAR_DIR and the production settings, as an operator would.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from wuxing.core.management.base import command_lock
from wuxing.settings import PROJECT_DIR

PROBE = """
import json, os, stat
from pathlib import Path
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
    default_storage.save("evidence/2023/7/证明材料.pdf", ContentFile(b"%PDF-1.4"))
    var = Path(settings.VAR_DIR)
    # while the connection is open, so that the -wal and -shm files exist
    modes = {str(p.relative_to(var)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [var, *var.rglob("*")]}
print(json.dumps({"modes": modes, "journal": journal, "busy": busy}))
"""


def child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The production settings on an SQLite file under `var_dir`, without the test run's variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DB_CONN_MAX_AGE")}
    env.update(DJANGO_SETTINGS_MODULE="wuxing.settings", WUXING_VAR_DIR=str(var_dir), **extra)
    return env


def run(args: list[str], var_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=child_env(var_dir, **extra),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def wuxing(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(["-m", "wuxing.manage", *args], var_dir)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- files ---


def test_a_fresh_installation_creates_owner_only_files(tmp_path: Path) -> None:
    var = tmp_path / "var"
    result = wuxing(var, "shell", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert (probe["journal"], probe["busy"]) == ("wal", 20000)
    assert probe["modes"] == {
        ".": "0o711",  # others may pass through to static/ (served by the proxy), not list or read
        "secret_key": "0o600",
        "wuxing.sqlite3": "0o600",
        "wuxing.sqlite3-wal": "0o600",
        "wuxing.sqlite3-shm": "0o600",
        "media": "0o700",
        "media/evidence": "0o700",
        "media/evidence/2023": "0o700",
        "media/evidence/2023/7": "0o700",
        "media/evidence/2023/7/证明材料.pdf": "0o600",
    }


def test_collected_static_files_stay_readable_by_the_proxy(tmp_path: Path) -> None:
    var = tmp_path / "var"
    result = wuxing(var, "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    static = var / "static"
    files = [p for p in static.rglob("*") if p.is_file()]
    assert files
    assert {mode(p) for p in files} == {0o644}
    assert {mode(p) for p in [static, *static.rglob("*")] if p.is_dir()} == {0o755}
    assert mode(var) == 0o711


def make_old_var(var: Path) -> None:
    """var/ as an earlier version left it: everything readable by every local account."""
    (var / "media" / "evidence" / "2023" / "7").mkdir(parents=True)
    (var / "static" / "css").mkdir(parents=True)
    files = {
        "secret_key": "old-key",
        "wuxing.sqlite3": "",
        "wuxing.sqlite3-wal": "",
        "media/evidence/2023/7/old.pdf": "%PDF",
        "static/css/site.css": "body{}",
    }
    for name, text in files.items():
        (var / name).write_text(text)
        (var / name).chmod(0o644)
    for path in [var, *var.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)


def assert_old_var_fixed(var: Path) -> None:
    assert mode(var) == 0o711
    for name in ("secret_key", "wuxing.sqlite3", "wuxing.sqlite3-wal", "media/evidence/2023/7/old.pdf"):
        assert mode(var / name) == 0o600, name
    for name in ("media", "media/evidence", "media/evidence/2023", "media/evidence/2023/7"):
        assert mode(var / name) == 0o700, name
    assert (mode(var / "static" / "css"), mode(var / "static" / "css" / "site.css")) == (0o755, 0o644)
    assert (var / "secret_key").read_text() == "old-key"


def test_the_command_tightens_an_existing_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "var"
    make_old_var(var)
    result = wuxing(var, "check")
    assert result.returncode == 0, result.stderr
    assert_old_var_fixed(var)


def test_the_wsgi_application_tightens_var_dir_and_creates_private_files(tmp_path: Path) -> None:
    var = tmp_path / "var"
    make_old_var(var)
    result = run(["-c", "import os, wuxing.wsgi; print(oct(os.umask(0)))"], var)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0o77"
    assert_old_var_fixed(var)


# --- locks ---


def take_lock_in_child(var: Path, then: str = "print(path)") -> subprocess.CompletedProcess[str]:
    code = f"from wuxing.core.management.base import command_lock\nwith command_lock('load_demo') as path:\n    {then}"
    return wuxing(var, "shell", "-c", code)


def test_two_installations_have_two_locks(tmp_path: Path, settings: Any) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    settings.VAR_DIR = first
    with command_lock("load_demo") as held:
        assert held == first / "locks" / "load_demo.lock"
        assert (mode(held.parent), mode(held)) == (0o700, 0o600)
        other = take_lock_in_child(second)
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip().splitlines()[-1] == str(second / "locks" / "load_demo.lock")
        same = take_lock_in_child(first)
        assert same.returncode != 0
        assert f"同名任务正在运行（进程 {os.getpid()}，锁文件 {held}）" in same.stderr
        with pytest.raises(CommandError, match="同名任务正在运行"), command_lock("load_demo"):
            pass  # pragma: no cover - never reached
    with command_lock("load_demo"):  # released with the with-block
        pass


def test_a_job_that_dies_does_not_leave_its_lock_behind(tmp_path: Path, settings: Any) -> None:
    var = tmp_path / "var"
    died = take_lock_in_child(var, then="os._exit(3)")
    assert died.returncode == 3, died.stderr
    settings.VAR_DIR = var
    with command_lock("load_demo") as path:
        assert path.exists()


# --- database connections ---


@pytest.mark.parametrize(
    "argv, environment, expected",
    [
        (["wuxing", "runserver", "127.0.0.1:8000"], {"DB_CONN_MAX_AGE": "300"}, (0, False)),
        (["wuxing", "migrate"], {}, (60, True)),
        (["gunicorn", "wuxing.wsgi:application"], {"DB_CONN_MAX_AGE": "300"}, (300, True)),
        (["gunicorn", "wuxing.wsgi:application"], {"DB_CONN_MAX_AGE": "0"}, (0, False)),
    ],
    ids=["runserver", "default", "configured", "off"],
)
def test_connection_lifetime(
    tmp_path: Path, argv: list[str], environment: dict[str, str], expected: Any
) -> None:
    code = (
        f"import sys; sys.argv = {argv!r}\n"
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "print(connection.settings_dict['CONN_MAX_AGE'], connection.settings_dict['CONN_HEALTH_CHECKS'])"
    )
    result = run(["-c", code], tmp_path / "var", **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(expected[0]), str(expected[1])]


def test_a_bad_connection_lifetime_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = run(["-c", "import django; django.setup()"], tmp_path / "var", DB_CONN_MAX_AGE="1 minute")
    assert result.returncode != 0
    assert "DB_CONN_MAX_AGE 应为不小于 0 的整数（秒），当前为“1 minute”" in result.stderr
