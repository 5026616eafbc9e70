"""The district register (发展党员名册) as Excel: the export (identity numbers masked unless the district
admin asks for them, which is logged) and the all-or-nothing import of the people already in the
pipeline when the platform starts (each row: the person and the dates of the key steps reached)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from wuxing.core.dates import DateError, parse_date
from wuxing.core.excel import Column, ImportReport, RowError, run_import
from wuxing.core.services import keep_writers_out, log_decision, require_perm
from wuxing.members import checks, idcard, steps
from wuxing.members.models import Applicant, Education, Sex, StepEvent
from wuxing.orgs.models import Level, OrgUnit

SHEET = "发展党员名册"
YES_NO = {"是": True, "否": False}
SEX_BY_LABEL = {str(label): value for value, label in Sex.choices}
EDUCATION_BY_LABEL = {str(label): value for value, label in Education.choices}
# the key steps whose dates the register carries (the others are filled from the nearest earlier one)
KEY_STEPS = (1, 3, 7, 15, 17, 23, 24)
IMPORTED = "平台启用前完成（名册导入）"

COLUMNS = [
    Column("org_code", "组织编码", required=True),
    Column("org_name", "组织名称", width=20, help="导出时填写，导入时不读"),
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号", required=True, width=22, help="18 位，校验码须正确"),
    Column("sex", "性别", required=True, choices=list(SEX_BY_LABEL)),
    Column("education", "学历", required=True, choices=list(EDUCATION_BY_LABEL)),
    Column("occupation", "职业"),
    Column("front_line", "生产工作一线", choices=list(YES_NO)),
    Column("wealth_leader", "致富带头人", choices=list(YES_NO)),
    Column("last_step", "已完成至步骤", required=True, help="1–25"),
    Column("standing", "身份", help="导出时填写，导入时不读"),
    *[Column(f"step_{n}", f"{steps.step(n).name}日期（步骤{n}）", required=n == 1) for n in KEY_STEPS],
]
EXAMPLE = [
    "BZ001",
    "后万金村",
    "张三",
    "130100199001011234",
    "男",
    "大专",
    "农民",
    "是",
    "否",
    7,
    "",
    "2023-03-01",
]


def export_rows(files: Iterable[checks.PersonFile], *, full_ids: bool) -> Iterator[list[Any]]:
    for file in files:
        a = file.applicant
        firsts: dict[int, dt.date] = {}
        for e in file.step_events():
            firsts.setdefault(e.step, e.done_on)
        yield [
            a.org.code,
            a.org.name,
            a.name,
            a.id_number if full_ids else idcard.mask_id(a.id_number),
            a.get_sex_display(),
            a.get_education_display(),
            a.occupation,
            "是" if a.front_line else "否",
            "是" if a.wealth_leader else "否",
            file.last_step or "",
            steps.standing(file.last_step),
            *[firsts.get(n) for n in KEY_STEPS],
        ]


def _date(record: dict[str, Any], key: str) -> dt.date | None:
    raw = record.get(key)
    if raw in (None, ""):
        return None
    try:
        return parse_date(raw)
    except DateError as exc:
        raise RowError(str(exc), key) from None


def _choice(record: dict[str, Any], key: str, table: dict[str, Any], required: bool = True) -> Any:
    raw = str(record.get(key) or "").strip()
    if not raw and not required:
        return False
    if raw not in table:
        raise RowError(f"应为：{'、'.join(table)}", key)
    return table[raw]


def import_register(actor: Any, fileobj: Any, reason: str = "") -> ImportReport:
    require_perm(actor, "members.manage")
    from simple_history.utils import bulk_create_with_history

    from wuxing.core.services import real_user, save_with_history

    orgs = {o.code: o for o in OrgUnit.objects.filter(level=Level.BRANCH)}
    seen: set[str] = set()
    existing = set(Applicant.objects.values_list("id_number", flat=True))
    locked = False

    def handle(rownum: int, record: dict[str, Any]) -> str:
        nonlocal locked
        if not locked:
            keep_writers_out(Applicant, StepEvent)
            locked = True
        org = orgs.get(str(record.get("org_code") or "").strip())
        if org is None:
            raise RowError("没有这个村/社区党组织编码", "org_code")
        name = str(record.get("name") or "").strip()
        if not name or len(name) > 50:
            raise RowError("请填写姓名（最多 50 字）", "name")
        number = idcard.normalise(str(record.get("id_number") or ""))
        sex = _choice(record, "sex", SEX_BY_LABEL)
        found = idcard.problems(number, sex=sex)
        if found:
            raise RowError("；".join(found), "id_number")
        if number in existing or number in seen:
            raise RowError("该身份证号已建档（一人一档）", "id_number")
        seen.add(number)
        education = _choice(record, "education", EDUCATION_BY_LABEL)
        occupation = str(record.get("occupation") or "").strip()
        if len(occupation) > 50:
            raise RowError("最多 50 字", "occupation")
        raw_last = record.get("last_step")
        last = int(raw_last) if isinstance(raw_last, (int, float)) and float(raw_last).is_integer() else None
        if isinstance(raw_last, str) and raw_last.strip().isascii() and raw_last.strip().isdigit():
            last = int(raw_last.strip())
        if last is None or not 1 <= last <= steps.LAST_STEP:
            raise RowError("应为 1–25 的整数", "last_step")
        dates: dict[int, dt.date] = {}
        previous: tuple[int, dt.date] | None = None
        for n in KEY_STEPS:
            day = _date(record, f"step_{n}")
            if day is None:
                continue
            if n > last:
                raise RowError(f"已完成至步骤 {last}，不应填写步骤 {n} 的日期", f"step_{n}")
            if previous and day < previous[1]:
                raise RowError(f"早于步骤 {previous[0]} 的日期 {previous[1]:%Y-%m-%d}", f"step_{n}")
            dates[n] = day
            previous = (n, day)
        if 1 not in dates:
            raise RowError("请填写递交入党申请书的日期", "step_1")
        applicant = Applicant(
            org=org,
            name=name,
            id_number=number,
            sex=sex,
            birth_date=idcard.birth_date_of(number),
            education=education,
            occupation=occupation,
            front_line=_choice(record, "front_line", YES_NO, required=False),
            wealth_leader=_choice(record, "wealth_leader", YES_NO, required=False),
        )
        save_with_history(applicant, actor, reason or "名册导入")
        day = dates[1]
        events = []
        for n in range(1, last + 1):
            day = dates.get(n, day)
            events.append(StepEvent(applicant=applicant, step=n, done_on=day, comment=IMPORTED))
        bulk_create_with_history(
            events, StepEvent, default_user=real_user(actor), default_change_reason=IMPORTED
        )
        log_decision(
            applicant, "members.import", actor, to_state=steps.standing(last), comment=reason or "名册导入"
        )
        return "created"

    return run_import(fileobj, COLUMNS, handle, sheet=SHEET)
