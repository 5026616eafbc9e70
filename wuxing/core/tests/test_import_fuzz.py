"""Every Excel importer against malformed workbooks (hypothesis): never an exception, never partial data,
never minutes of work, always Chinese messages of bounded length.

The workbooks are real .xlsx files written by openpyxl: the template's own header or a damaged one, cells
of every type (formulas such as =HYPERLINK(…) and =cmd|…, huge numbers, long text, dates, booleans),
merged cells, hidden data sheets, empty sheets in front; and files that are not workbooks at all.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from wuxing.core.excel import ImportReport
from wuxing.members import register as member_register
from wuxing.members.models import Applicant, StepEvent
from wuxing.orgs import services as org_services
from wuxing.orgs.models import OrgUnit, Person, Post
from wuxing.rules import services as rule_services
from wuxing.rules.models import Score

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0", "=1+1", "@SUM(A1:A2)", "+1", "-1+2", "=A1"]
# what a cell of an .xlsx can hold (openpyxl refuses control characters, as Excel does)
TEXT = st.characters(blacklist_categories=("Cc", "Cs"))
cells = st.one_of(
    st.none(),
    st.sampled_from(FORMULAS),
    st.text(TEXT, max_size=40),
    st.text(TEXT, min_size=300, max_size=3000),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.booleans(),
    st.sampled_from(
        [
            "彰北街道",
            "柏庄镇",
            "ZB001",
            "BZ001",
            "西漳涧村",
            "农村",
            "党支部",
            "党组织书记",
            "是",
            "85%",
            "１２",
        ]
    ),
)


@st.composite
def workbooks(draw: Any, header: list[str]) -> bytes:
    wb = Workbook()
    first = wb.active
    if draw(st.booleans()):  # an empty sheet in front
        first.title = "封面"
        ws = wb.create_sheet(draw(st.sampled_from(["组织", "人员任职", "Sheet2", "数据"])))
    else:
        ws = first
        ws.title = draw(st.sampled_from(["组织", "人员任职", "Sheet1"]))
    head = draw(
        st.one_of(
            st.just(header),
            st.permutations(header),
            st.lists(st.sampled_from([*header, "备注", ""]), max_size=len(header) + 2),
            st.lists(cells, max_size=6),
        )
    )
    for col, value in enumerate(head, start=1):
        ws.cell(row=1, column=col, value=value)
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=12))
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=col, value=value)
    if rows and draw(st.booleans()):
        ws.merge_cells(start_row=2, start_column=1, end_row=2 + draw(st.integers(0, 2)), end_column=2)
    if draw(st.integers(0, 5)) == 0:
        ws.sheet_state = draw(st.sampled_from(["hidden", "veryHidden"]))
        if ws is first:
            wb.create_sheet("可见")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def not_workbooks() -> st.SearchStrategy[bytes]:
    def truncated(content: bytes) -> bytes:
        return content[: len(content) // 2]

    def zip_of_junk(data: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("xl/workbook.xml", data)
        return buf.getvalue()

    plain = Workbook()
    buf = io.BytesIO()
    plain.save(buf)
    return st.one_of(
        st.binary(max_size=2000),
        st.just("组织编码,组织名称\nZB001,西漳涧村\n".encode()),  # a CSV renamed .xlsx
        st.just(b"%PDF-1.4 not a workbook"),
        st.just(truncated(buf.getvalue())),
        st.binary(max_size=500).map(zip_of_junk),
    )


def counts() -> tuple[int, ...]:
    from wuxing.competition.models import Checklist, MonthlyScore, ObservationEvent, ObservationScore

    return (
        OrgUnit.objects.count(),
        OrgUnit.history.count(),
        Person.objects.count(),
        Post.objects.count(),
        Score.objects.count(),
        Score.history.count() if hasattr(Score, "history") else 0,
        Applicant.objects.count(),
        StepEvent.objects.count(),
        MonthlyScore.objects.count(),
        Checklist.objects.count(),
        ObservationScore.objects.count(),
        ObservationScore.history.count(),
        sum(ObservationEvent.objects.values_list("lock_version", flat=True)),
    )


def check(run: Callable[[bytes], ImportReport], content: bytes) -> None:
    before = counts()
    start = time.perf_counter()
    report = run(content)
    assert time.perf_counter() - start < 10
    assert isinstance(report, ImportReport)
    for message in report.messages():
        assert isinstance(message, str) and 0 < len(message) <= 400, message[:100]
    if not report.ok:
        assert counts() == before  # all or nothing


def importers(world: Any) -> dict[str, tuple[list[str], Callable[[bytes], ImportReport]]]:
    admin = world.users["admin"]
    rule_services.load_shipped(admin)
    org_header = [c.header for c in org_services.ORG_COLUMNS]
    person_header = [c.header for c in org_services.PERSON_COLUMNS]
    rb = rule_services.active_rulebook(2023, "rural")
    assert rb is not None
    score_header = [c.header for c in rule_services.score_columns(rb.rulebook)]
    member_header = [c.header for c in member_register.COLUMNS]
    from wuxing.competition import services as competition_services
    from wuxing.competition.queries import checklist_for

    monthly_header = [c.header for c in competition_services.monthly_columns(checklist_for(2023))]
    observation_header = [c.header for c in competition_services.observation_columns()]
    event = competition_services.create_event(
        admin, title="观摩", held_on=dt.date(2023, 2, 21), organiser=None, orgs=[world.village_a],
        observers=["甲", "乙"],
    )  # fmt: skip
    return {
        "orgs": (org_header, lambda b: org_services.import_orgs(admin, io.BytesIO(b))),
        "people": (person_header, lambda b: org_services.import_people(admin, io.BytesIO(b))),
        "scores": (score_header, lambda b: rule_services.import_scores(admin, io.BytesIO(b), 2023, "rural")),
        "members": (member_header, lambda b: member_register.import_register(admin, io.BytesIO(b))),
        "monthly": (
            monthly_header,
            lambda b: competition_services.import_monthly(admin, io.BytesIO(b), 2023),
        ),
        "observation": (
            observation_header,
            lambda b: competition_services.import_observation_scores(admin, event, io.BytesIO(b)),
        ),
    }


FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("kind", ["orgs", "people", "scores", "members", "monthly", "observation"])
def test_malformed_workbooks_are_refused_cleanly(world: Any, kind: str) -> None:
    header, run = importers(world)[kind]

    @FUZZ
    @given(content=workbooks(header))
    def fuzz(content: bytes) -> None:
        check(run, content)

    fuzz()


@pytest.mark.parametrize("kind", ["orgs", "people", "scores", "members", "monthly", "observation"])
def test_files_that_are_not_workbooks_are_refused_cleanly(world: Any, kind: str) -> None:
    _header, run = importers(world)[kind]

    @settings(FUZZ, max_examples=15)
    @given(content=not_workbooks())
    def fuzz(content: bytes) -> None:
        before = counts()
        report = run(content)
        assert not report.ok and counts() == before
        assert all(len(m) <= 400 for m in report.messages())

    fuzz()
