"""A process killed (SIGKILL) in the middle of a large import leaves no partial data and no lock behind.

The import runs in a child process with the production settings on a database of the run's kind (an
SQLite file in WAL mode, or a fresh PostgreSQL database); crash_probe.py freezes it inside its writing
transaction after rows have gone in, and the test kills it there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from wuxing.settings import PROJECT_DIR

ROWS = 1500


def probe(env: dict[str, str], *args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "wuxing.orgs.tests.crash_probe", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_an_import_killed_mid_write_leaves_nothing_and_can_be_run_again(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    probe(production_env, "prepare")
    marker = tmp_path / "mid-write"
    victim = subprocess.Popen(
        [sys.executable, "-m", "wuxing.orgs.tests.crash_probe", "victim", str(ROWS), str(marker)],
        env=production_env,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert victim.poll() is None, victim.stderr.read()[-3000:] if victim.stderr else ""
            assert time.monotonic() < deadline, "the import never reached its writing transaction"
            time.sleep(0.05)
        assert json.loads(marker.read_text())["statements"] >= 2  # rows were inserted, uncommitted
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(timeout=30) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()

    state = probe(production_env, "check", str(ROWS))
    assert (state["imported"], state["history"]) == (0, 0)  # nothing of the killed import
    assert state["orgs"] == 6  # the world: district, 2 streets, 3 organisations
    assert state["tree_problems"] == [[], [], [], [], []]
    assert state.get("integrity", "ok") == "ok"
    assert (state["again_created"], state["again_messages"]) == (ROWS, [])  # no lock, nothing half-done
    assert state["orgs_after"] == 6 + ROWS
