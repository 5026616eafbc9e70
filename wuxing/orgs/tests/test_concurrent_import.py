"""While a large import runs, other users' reads never wait and their small writes wait seconds at most.

The import and the other user work on two connections of a real database — an SQLite file in WAL mode,
or PostgreSQL — in a child process (concurrency_probe.py) with the production settings, so that the
file, its locks and the busy timeout are the ones users meet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from wuxing.settings import PROJECT_DIR

ROWS = 4000
READ_LIMIT = 2.0  # s: a read is never queued behind the import (the margin is for a busy test machine)
WRITE_LIMIT = 10.0  # s: a small write waits at most for the import's one short writing transaction


@pytest.fixture
def probe_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Production settings on a fresh database of the same kind as the test run's."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DB_CONN_MAX_AGE")}
    env.update(DJANGO_SETTINGS_MODULE="wuxing.settings", WUXING_VAR_DIR=str(tmp_path / "var"))
    if connection.vendor != "postgresql":
        yield env
        return
    params = connection.settings_dict
    name = f"{params['NAME']}_probe"
    server = {
        "host": params["HOST"] or "localhost",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    env["DATABASE_URL"] = f"postgres://{params['USER']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def overlaps(op: dict[str, Any], start: float, end: float) -> bool:
    return bool(op["start"] < end and op["end"] > start)


def test_others_read_and_write_while_a_large_import_runs(probe_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wuxing.orgs.tests.concurrency_probe", str(ROWS)],
        env=probe_env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    imp, ops = probe["import"], probe["ops"]
    assert (imp.get("error"), imp.get("messages"), imp.get("created")) == (None, [], ROWS)
    assert [op for op in ops if "error" in op] == []

    def took(op: dict[str, Any]) -> float:
        return float(op["end"] - op["start"])

    reads = [op for op in ops if op["kind"] == "read" and overlaps(op, imp["start"], imp["end"])]
    writes = [op for op in ops if op["kind"] == "write"]
    while_checking = [op for op in writes if op["start"] >= imp["start"] and op["end"] <= imp["write_start"]]
    while_writing = [op for op in writes if overlaps(op, imp["write_start"], imp["end"])]
    summary = {
        "import": imp,
        "reads": (len(reads), max(map(took, reads), default=None)),
        "writes while checking": (len(while_checking), max(map(took, while_checking), default=None)),
        "writes while writing": (len(while_writing), max(map(took, while_writing), default=None)),
    }
    # Reading the file and checking its rows takes most of the import; it holds no lock at all.
    assert while_checking, summary
    assert max(map(took, while_checking)) < READ_LIMIT, summary
    assert reads and max(map(took, reads)) < READ_LIMIT, summary
    assert while_writing and max(map(took, while_writing)) < WRITE_LIMIT, summary

    # Nothing was lost on either side, and the tree is as treebeard expects.
    assert probe["tree_problems"] == [[], [], [], [], []]
    assert probe["street_sorted"]
    assert probe["street_numchild"][0] == probe["street_numchild"][1]
    assert probe["member_count"] == 100 + probe["rounds"]
    assert probe["concurrent_branches"] == probe["rounds"]
