"""While a large import runs, other users' reads never wait and their small writes wait seconds at most.

The import and the other user work on two connections of a real database — an SQLite file in WAL mode,
or PostgreSQL — in a child process (concurrency_probe.py) with the production settings, so that the
file, its locks and the busy timeout are the ones users meet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from wuxing.settings import PROJECT_DIR

ROWS = 4000
READ_LIMIT = 2.0  # s: a read is never queued behind the import (the margin is for a busy test machine)
WRITE_LIMIT = 10.0  # s: a small write waits at most for the import's one short writing transaction


def overlaps(op: dict[str, Any], start: float, end: float) -> bool:
    return bool(op["start"] < end and op["end"] > start)


def test_others_read_and_write_while_a_large_import_runs(production_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wuxing.orgs.tests.concurrency_probe", str(ROWS)],
        env=production_env,
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
