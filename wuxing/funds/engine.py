"""How every yuan of a year is worked out (plain data in, lines with their reasons out; no ORM here —
wuxing/funds/queries.py loads the inputs set-based).

For a year Y and each organisation the district's parameters of Y (docs/decisions.md §53) give:

- 运转经费 (operating): every village or community organisation, the amount for its kind. Not tied to stars.
- 创建经费奖补 (creation_subsidy): an organisation of the subsidy's minimum level or better (default four
  stars) in Y gets the subsidy rate (default 70%) of its creation spending of Y approved by the district.
- 三星支部奖励 (three_star_reward): an organisation whose official level of Y is one of the reward's levels
  (default: exactly three stars — an [open] reading) gets the reward.
- “两委”补贴提高 (allowance_uplift): in such an organisation (levels of its own, default three), each
  member of the “两委” in post at the end of Y gets base allowance × uplift rate. Without an entered base
  allowance nothing is computed and the result says so.
- 书记生活补贴 (living_subsidy): the levels of the last `run_years` years (Y-2..Y by default) are all five
  stars → the 正科级 standard; all four or better → the 副科级 standard (a run such as 5, 4, 5 counts as
  four-or-better unless the district turned that [open] reading off, then every year must be the same
  level). A year without a record, below four stars, or — by default — with a star removed breaks the run.
  It is paid to the secretary who was in post at the end of every year of the run (the default [open]
  reading; the alternative pays whoever is secretary at the end of Y), and never to one who sits on the
  street/town leadership team. Without the entered salary standard nothing is computed and the result
  says so.

Amounts are Decimal yuan rounded to the fen half up (core/money.py), once per line; totals are sums of
lines.

One code path for the amounts, two outputs (docs/decisions.md §78): `compute(..., explain=True)` keeps every
line with its Chinese explanation and the notes; `explain=False` (the district budget) makes the same
decisions and the same roundings but keeps only the sums per street and item (`Outcome.totals`) and builds no
text except what is missing for want of a parameter. Both modes fill `Outcome.totals` the same way, so a
budget's sums and the sums of the explained lines cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

FEN = Decimal("0.01")

OPERATING, CREATION, THREE_STAR, UPLIFT, LIVING = (
    "operating",
    "creation_subsidy",
    "three_star_reward",
    "allowance_uplift",
    "living_subsidy",
)
ITEMS = (OPERATING, CREATION, THREE_STAR, UPLIFT, LIVING)
ITEM_LABELS = {
    OPERATING: "运转经费",
    CREATION: "创建经费奖补",
    THREE_STAR: "三星支部奖励",
    UPLIFT: "“两委”成员补贴提高",
    LIVING: "书记生活补贴",
}
KIND_LABELS = {"rural": "村级", "community": "社区"}
ESTIMATE = "estimate"
SOURCE_LABELS = {
    "named": "命名结果",
    "live": "实时评定",
    "import": "往年导入",
    "demo": "往年演示",
    ESTIMATE: "预估（未命名）",
}


def yuan(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    return f"{yuan(amount):,.2f}"


@dataclass(frozen=True)
class Params:
    year: int
    village_operating: Decimal
    community_operating: Decimal
    subsidy_rate: Decimal
    subsidy_min_level: int
    three_star_reward: Decimal
    three_star_levels: frozenset[int]
    allowance_uplift_rate: Decimal
    allowance_levels: frozenset[int]
    base_allowance: Decimal | None
    run_years: int
    zhengke_salary: Decimal | None
    fuke_salary: Decimal | None
    secretary_rule: str  # "through_all" | "current"
    removal_breaks_run: bool
    mixed_run_counts: bool


@dataclass(frozen=True)
class Org:
    id: int
    code: str
    name: str
    kind: str
    street_code: str
    street_name: str


@dataclass(frozen=True)
class Record:
    """An organisation's official level of one year and where it comes from."""

    level: int
    source: str  # named | live | import | demo
    star_removed: bool = False


@dataclass(frozen=True)
class Secretary:
    """Who was secretary of an organisation at the end of a year: a person of the registry (`person_id`)
    or a name from the imported history (`person_id` None; then the name identifies them)."""

    name: str
    person_id: int | None = None
    on_street_leadership: bool = False

    def same_as(self, other: Secretary) -> bool:
        """Two registry people are the same when their ids are; a name from the import matches by name."""
        if self.person_id is not None and other.person_id is not None:
            return self.person_id == other.person_id
        return self.name.strip() == other.name.strip()


@dataclass(frozen=True)
class Member:
    """A member of the “两委” in post at the end of the year."""

    person_id: int
    name: str
    role_label: str


@dataclass
class Line:
    org: Org
    item: str
    amount: Decimal
    rule: str
    person_id: int | None = None
    person_name: str | None = None
    source: str = ""  # where the stars it read come from ("" for a line that reads none)

    @property
    def item_label(self) -> str:
        return ITEM_LABELS[self.item]


ZERO = Decimal("0.00")


@dataclass
class Outcome:
    lines: list[Line] = field(default_factory=list)
    # not computed for want of a parameter, or not paid though close (the page shows both)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (street code, street name, item) → the sum of its lines; filled in both modes
    totals: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    explain: bool = True  # False: no lines, no notes (texts are not built), only `totals`

    def add(
        self,
        org: Org,
        item: str,
        amount: Decimal,
        rule: Callable[[], str],
        person_id: int | None = None,
        person_name: str | None = None,
        source: str = "",
    ) -> None:
        """One line: its amount into the sums; with `explain`, the line itself with its text (`rule` is
        only called then)."""
        key = (org.street_code, org.street_name, item)
        self.totals[key] = self.totals.get(key, ZERO) + amount
        if self.explain:
            self.lines.append(Line(org, item, amount, rule(), person_id, person_name, source))

    def note(self, text: Callable[[], str]) -> None:
        if self.explain:
            self.notes.append(text())

    def keep_item(self, item: str) -> None:
        """Only one item's lines and sums (a filtered ledger page)."""
        self.lines = [line for line in self.lines if line.item == item]
        self.totals = {k: v for k, v in self.totals.items() if k[2] == item}

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    def street_totals(self) -> list[tuple[str, str, Decimal]]:
        """(street code, street name, total) per street, sorted: the sums of its lines."""
        per: dict[tuple[str, str], Decimal] = {}
        for (code, name, _item), amount in self.totals.items():
            per[(code, name)] = per.get((code, name), ZERO) + amount
        return [(code, name, total) for (code, name), total in sorted(per.items())]


def _level_text(level: int) -> str:
    return f"{'零一二三四五'[level]}星" if 0 <= level <= 5 else f"{level}星"


def _run_text(years: Sequence[int], records: Sequence[Record]) -> str:
    levels = {r.level for r in records}
    years_text = f"{years[0]}–{years[-1]}"
    sources = "、".join(dict.fromkeys(SOURCE_LABELS.get(r.source, r.source) for r in records))
    if len(levels) == 1:
        return f"{_level_text(records[0].level)} {years_text} 连续{len(years)}年（{sources}）"
    each = "、".join(f"{y}年{_level_text(r.level)}" for y, r in zip(years, records, strict=True))
    return f"{each}，四星及以上 {years_text} 连续{len(years)}年（{sources}）"


def compute(
    params: Params,
    orgs: Iterable[Org],
    records: dict[tuple[int, int], Record],
    secretaries: dict[tuple[int, int], Secretary],
    members: dict[int, list[Member]],
    spending: dict[int, tuple[Decimal, int]] | None = None,
    *,
    explain: bool = True,
) -> Outcome:
    """Every amount due in `params.year`. `records[(org_id, year)]` holds the official levels of that year
    and the years before; `secretaries[(org_id, year)]` the secretary at the end of each year;
    `members[org_id]` the “两委” in post at the end of the year; `spending[org_id]` the approved creation
    spending of the year (total, number of claims). `explain=False`: the same amounts, kept only as sums
    per street and item (no line texts, no notes)."""
    out = Outcome(explain=explain)
    year = params.year
    run = list(range(year - params.run_years + 1, year + 1))
    spending = spending or {}
    # the amounts that do not depend on the organisation, rounded once per line as before (same values)
    operating = {"rural": params.village_operating, "": params.community_operating}
    operating_due = {kind: yuan(amount) for kind, amount in operating.items()}
    for org in orgs:
        kind = "rural" if org.kind == "rural" else ""
        amount = operating[kind]
        out.add(
            org,
            OPERATING,
            operating_due[kind],
            partial(_operating_text, org, year, amount),
        )
        record = records.get((org.id, year))
        if org.id in spending:
            _creation_subsidy(params, org, record, spending[org.id], out)
        if record is not None:
            _rewards(params, org, record, members.get(org.id, []), out)
        _living_subsidy(params, org, run, records, secretaries, out)
    return out


def _operating_text(org: Org, year: int, amount: Decimal) -> str:
    return f"{KIND_LABELS.get(org.kind, '')}党组织运转经费（{year}年度参数）→ {fmt(amount)} 元"


def _creation_subsidy(
    params: Params, org: Org, record: Record | None, spent: tuple[Decimal, int], out: Outcome
) -> None:
    total, count = spent
    year, minimum = params.year, params.subsidy_min_level
    if record is None or record.level < minimum:
        level = "无星级记录" if record is None else _level_text(record.level)
        out.note(
            lambda: (
                f"{org.name}：已批准创建经费 {fmt(total)} 元，但{year}年{level}，"
                f"未达{_level_text(minimum)}，不予奖补"
            )
        )
        return
    amount = yuan(total * params.subsidy_rate)
    out.add(
        org,
        CREATION,
        amount,
        lambda: (
            f"{year}年{_level_text(record.level)}（{SOURCE_LABELS.get(record.source, record.source)}），"
            f"{_level_text(minimum)}及以上奖补；已批准创建经费 {fmt(total)} 元（{count} 笔）"
            f" × {_pct(params.subsidy_rate)} → {fmt(amount)} 元"
        ),
        source=record.source,
    )


def _rewards(params: Params, org: Org, record: Record, members: list[Member], out: Outcome) -> None:
    year, level = params.year, record.level
    if level in params.three_star_levels:
        out.add(
            org,
            THREE_STAR,
            yuan(params.three_star_reward),
            lambda: (
                f"{year}年{_level_text(level)}（{SOURCE_LABELS.get(record.source, record.source)}），"
                f"适用星级 {_levels(params.three_star_levels)} → 支部奖励 {fmt(params.three_star_reward)} 元"
            ),
            source=record.source,
        )
    if level in params.allowance_levels and members:
        if params.base_allowance is None:
            out.missing.append(
                f"{org.name}：{year}年{_level_text(level)}，“两委”成员补贴提高需要“两委”成员基本补贴标准，"
                "区委组织部尚未录入，未计算"
            )
            return
        base, rate = params.base_allowance, params.allowance_uplift_rate
        amount = yuan(base * rate)
        for m in members:
            out.add(
                org,
                UPLIFT,
                amount,
                partial(_uplift_text, year, record, m, base, rate, amount),
                m.person_id,
                m.name,
                record.source,
            )


def _uplift_text(year: int, record: Record, m: Member, base: Decimal, rate: Decimal, amount: Decimal) -> str:
    return (
        f"{year}年{_level_text(record.level)}（{SOURCE_LABELS.get(record.source, record.source)}），"
        f"{m.role_label} {m.name}：基本补贴 {fmt(base)} 元 × 提高 {_pct(rate)} → {fmt(amount)} 元"
    )


def _living_subsidy(
    params: Params,
    org: Org,
    run: list[int],
    records: dict[tuple[int, int], Record],
    secretaries: dict[tuple[int, int], Secretary],
    out: Outcome,
) -> None:
    recs = []
    for y in run:
        r = records.get((org.id, y))
        if r is None:
            return
        recs.append(r)
    if any(r.level < 4 for r in recs):
        # narrowly missed: four or better in every year but one
        if out.explain and sum(r.level >= 4 for r in recs) == len(recs) - 1:
            y = next(y for y, r in zip(run, recs, strict=True) if r.level < 4)
            out.note(
                lambda: (
                    f"{org.name}：{y}年{_level_text(recs[run.index(y)].level)}，未连续{len(run)}年四星及以上"
                )
            )
        return
    if params.removal_breaks_run:
        removed = [y for y, r in zip(run, recs, strict=True) if r.star_removed]
        if removed:
            out.note(lambda: f"{org.name}：{removed[0]}年被摘星，连续{len(run)}年中断（摘星中断连续年数）")
            return
    levels = {r.level for r in recs}
    if levels == {5}:
        standard, label = params.zhengke_salary, "正科级"
    elif params.mixed_run_counts or len(levels) == 1:
        standard, label = params.fuke_salary, "副科级"
    else:
        out.note(lambda: f"{org.name}：四、五星交替不计为连续（参数），不享受书记生活补贴")
        return
    end = secretaries.get((org.id, run[-1]))
    if end is None:
        out.note(lambda: f"{org.name}：{_run_text(run, recs)}，但{run[-1]}年末无在任书记")
        return
    if params.secretary_rule == "through_all":
        every = [secretaries.get((org.id, y)) for y in run]
        if not all(s is not None and s.same_as(end) for s in every):
            out.note(
                lambda: (
                    f"{org.name}：{_run_text(run, recs)}，但期间书记有变动，无三年均在任的书记"
                    "（换届时的默认解读）"
                )
            )
            return

    def tenure() -> str:
        if params.secretary_rule == "through_all":
            return f"支部书记 {end.name} {len(run)}年在任"
        return f"{run[-1]}年末在任支部书记 {end.name}"

    if end.on_street_leadership or any(
        secretaries[(org.id, y)].on_street_leadership for y in run if (org.id, y) in secretaries
    ):
        out.note(
            lambda: (
                f"{org.name}：{_run_text(run, recs)}，书记 {end.name} 为街道(镇)班子成员，不享受书记生活补贴"
            )
        )
        return
    if standard is None:
        out.missing.append(
            f"{org.name}：{_run_text(run, recs)}，{tenure()} → {label}标准，区委组织部尚未录入{label}工资标准，"
            "未计算"
        )
        return
    out.add(
        org,
        LIVING,
        yuan(standard),
        lambda: f"{_run_text(run, recs)}，{tenure()}，非街道班子成员 → {label}标准 {fmt(standard)} 元",
        end.person_id,
        end.name,
        recs[-1].source,
    )


def _levels(levels: frozenset[int]) -> str:
    return "、".join(_level_text(x) for x in sorted(levels))


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def street_totals(lines: Iterable[Line]) -> list[tuple[str, str, Decimal]]:
    """(street code, street name, total) per street: the sum of its lines."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = (line.org.street_code, line.org.street_name)
        totals[key] = totals.get(key, Decimal("0.00")) + line.amount
    return [(code, name, total) for (code, name), total in sorted(totals.items())]
