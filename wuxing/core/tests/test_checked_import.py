"""run_checked_import: check every row with reads only, then check again and write in one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection

from wuxing.core.excel import CheckedRows, Column, RowError, run_checked_import
from wuxing.core.models import DecisionLog
from wuxing.core.tests.xlsxutil import xlsx_file

COLUMNS = [Column("code", "编码", required=True), Column("name", "名称", required=True)]
HEADER = ["名称", "编码"]  # columns in another order than COLUMNS: errors name the sheet's column


class Importer:
    """A toy importer that writes one DecisionLog row per data row and records what it saw."""

    def __init__(self, bad_on_pass: dict[int, set[str]] | None = None) -> None:
        self.bad_on_pass = bad_on_pass or {}
        self.passes: list[int] = []  # atomic-block depth at each check
        self.writes: list[int] = []  # atomic-block depth at each write

    def check(self, records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[list[str]]:
        self.passes.append(len(connection.atomic_blocks))
        bad = self.bad_on_pass.get(len(self.passes), set())
        checked: CheckedRows[list[str]] = CheckedRows([])
        for rownum, rec in records:
            if rec["code"] in bad:
                checked.problems.append((rownum, RowError(f"编码“{rec['code']}”不可用", "code")))
            elif rec["name"] == "重名":
                checked.problems.append((rownum, ValidationError({"name": ["名称重复", "名称太短"]})))
            else:
                checked.plan.append(rec["code"])
                checked.created += 1
        return checked

    def write(self, checked: CheckedRows[list[str]]) -> None:
        plan = checked.plan
        self.writes.append(len(connection.atomic_blocks))
        content_type = ContentType.objects.get_for_model(DecisionLog)
        DecisionLog.objects.bulk_create(
            DecisionLog(content_type=content_type, object_id=code, action="toy") for code in plan
        )

    def run(self, rows: list[list[Any]]) -> Any:
        return run_checked_import(xlsx_file(HEADER, rows), COLUMNS, self.check, self.write)


@pytest.fixture
def depth(db: Any) -> int:
    """The atomic-block depth a test runs at (pytest-django wraps each test in a transaction)."""
    return len(connection.atomic_blocks)


def test_good_file_is_checked_outside_then_again_inside_the_one_writing_transaction(depth: int) -> None:
    importer = Importer()
    report = importer.run([["甲", "A1"], ["乙", "A2"]])
    assert (report.created, report.errors) == (2, [])
    assert importer.passes == [depth, depth + 1]
    assert importer.writes == [depth + 1]
    assert sorted(DecisionLog.objects.filter(action="toy").values_list("object_id", flat=True)) == [
        "A1",
        "A2",
    ]


def test_bad_file_is_refused_before_any_transaction_is_opened(depth: int) -> None:
    importer = Importer(bad_on_pass={1: {"A2"}})
    report = importer.run([["甲", "A1"], ["乙", "A2"], ["重名", "A3"]])
    assert report.messages() == [
        "第3行 第2列（编码）：编码“A2”不可用",
        "第4行 第1列（名称）：名称重复",
        "第4行 第1列（名称）：名称太短",
    ]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert importer.passes == [depth]  # no second check, no transaction, no write
    assert importer.writes == []
    assert not DecisionLog.objects.filter(action="toy").exists()


def test_problems_found_by_the_second_check_write_nothing(depth: int) -> None:
    """The data may change between the first check and the transaction: the second check decides."""
    importer = Importer(bad_on_pass={2: {"A1"}})
    report = importer.run([["甲", "A1"], ["乙", "A2"]])
    assert report.messages() == ["第2行 第2列（编码）：编码“A1”不可用"]
    assert report.created == 0
    assert importer.passes == [depth, depth + 1]
    assert importer.writes == []
    assert not DecisionLog.objects.filter(action="toy").exists()


def test_lock_runs_first_inside_the_transaction(depth: int) -> None:
    importer = Importer()
    locked: list[int] = []
    original = importer.check

    def check(records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[list[str]]:
        locked.append(-1)  # marks where the checks happen relative to the lock
        return original(records)

    report = run_checked_import(
        xlsx_file(HEADER, [["甲", "A1"]]),
        COLUMNS,
        check,
        importer.write,
        lock=lambda: locked.append(len(connection.atomic_blocks)),
    )
    assert report.created == 1
    assert locked == [-1, depth + 1, -1]


def test_unreadable_file_is_reported_without_checking() -> None:
    importer = Importer()
    report = run_checked_import(xlsx_file(["名称"], [["甲"]]), COLUMNS, importer.check, importer.write)
    assert report.messages() == ["第1行：缺少必填列“编码”"]
    assert importer.passes == []
