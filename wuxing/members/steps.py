"""The 25 steps, the documents of 四请示三批复 and the stage of a person, read from steps.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("steps.json")
LAST_STEP = 25
ADMISSION_MEETING = 15  # 支部大会讨论: the probation runs from this day
ADMISSION_APPROVAL = 17
FULL_MEETING = 23
FULL_APPROVAL = 24


@dataclass(frozen=True)
class Step:
    n: int
    stage: int
    name: str
    by: str  # "branch" (the organisation records it) or "committee" (the town/street committee)
    repeatable: bool = False
    request: str = ""
    needs_request: str = ""
    needs_approval: str = ""

    @property
    def label(self) -> str:
        return f"{self.n}. {self.name}"


@dataclass(frozen=True)
class DocKind:
    key: str
    name: str
    kind: str  # request, approval, notice
    answered_by: str = ""
    answer_months_param: str = ""
    answers: str = ""
    before_step: int = 0
    after_step: int = 0


@cache
def _load() -> dict[str, Any]:
    return dict(json.loads(DATA.read_text(encoding="utf-8")))


def version() -> str:
    return str(_load()["version"])


@cache
def all_steps() -> dict[int, Step]:
    return {s["n"]: Step(**s) for s in _load()["steps"]}


def step(n: int) -> Step:
    return all_steps()[n]


@cache
def stage_names() -> tuple[str, ...]:
    return tuple(_load()["stages"])


@cache
def doc_kinds() -> dict[str, DocKind]:
    return {k: DocKind(key=k, **v) for k, v in _load()["documents"].items()}


def doc_name(key: str) -> str:
    kind = doc_kinds().get(key)
    return kind.name if kind else key


def standing(last_step: int | None) -> str:
    """Where a person stands after the last recorded step: 入党申请人 … 正式党员."""
    n = last_step or 0
    if n >= FULL_APPROVAL:
        return "正式党员"
    if n >= ADMISSION_APPROVAL:
        return "预备党员"
    if n >= 7:
        return "发展对象"
    if n >= 3:
        return "入党积极分子"
    return "入党申请人" if n else "未录入"


def stage_of(last_step: int | None) -> int:
    """The stage (1–5) of the last recorded step; 0 before the first."""
    return step(last_step).stage if last_step else 0


def stage_label(last_step: int | None) -> str:
    stage = stage_of(last_step)
    return f"{stage}. {stage_names()[stage - 1]}" if stage else "—"
