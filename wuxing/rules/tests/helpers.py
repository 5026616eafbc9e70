"""Helpers for the star-rules tests: indicator values worked out by hand from
wuxing/rules/rulebooks/2023-*.yaml (every expected number in these tests comes from the YAML, never
from the code under test)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

YEAR = 2023

# --- rural (2023-rural.yaml) -------------------------------------------------------------------------------
# Each star: base items worth 100 points, awarded at ≥ 80 with its required indicator met.

ZBGY_FULL = {  # 15 + 15 + 12×1.25 + 10 + 10 + 15 + 20 − 0 = 100
    "zbgy.secretary": "15",
    "zbgy.committee": "15",
    "zbgy.org_life": "12",
    "zbgy.records": "是",
    "zbgy.young_members": "是",
    "zbgy.venue": "是",
    "zbgy.services": "90",
    "zbgy.discipline": "0",
}
CYXW_FULL = {  # 25 + 10 + 10 + 15 + 3×5 + 15 + 4×2.5 + 0 = 100
    "cyxw.income": "25",
    "cyxw.income_growth": "12",
    "cyxw.cooperative": "是",
    "cyxw.featured": "是",
    "cyxw.projects": "3",
    "cyxw.plan": "15",
    "cyxw.training": "4",
    "cyxw.honours": "0",
}
# 18 万元 misses the required 村集体经济收入 ≥ 20 万元 (0 of its 25 points); the other items give
# 10 + 10 + 15 + 15 + 15 + 10 = 75, and two honours add 2 × 2.5 = 5: exactly 80 points, yet no star.
CYXW_AT_18 = {**CYXW_FULL, "cyxw.income": "18", "cyxw.honours": "2"}
STJY_FULL = {  # 20 + 15 + 10 + 15 + 10 + 15 + 12×1.25 − 0 = 100
    "stjy.toilets": "85",
    "stjy.garbage": "是",
    "stjy.sewage": "50",
    "stjy.alleys": "15",
    "stjy.courtyards": "30",
    "stjy.greening": "15",
    "stjy.cleanup": "12",
    "stjy.reported": "0",
}
PAFZ_FULL = {  # 10 + 15 + 15 + 10 + 15 + 10 + 10 + 15 = 100
    "pafz.leadership": "10",
    "pafz.prevention": "15",
    "pafz.disputes": "96",
    "pafz.key_groups": "10",
    "pafz.hazards": "是",
    "pafz.rule_of_law": "10",
    "pafz.services": "是",
    "pafz.satisfaction": "92",
}
WMXF_FULL = {  # 15 + 15 + 5×2 + 10×1 + 15 + 15 + 20 + 0 = 100
    "wmxf.canteen": "是",
    "wmxf.customs": "是",
    "wmxf.model_families": "5",
    "wmxf.culture": "10",
    "wmxf.volunteers": "15",
    "wmxf.insurance": "96",
    "wmxf.schooling": "是",
    "wmxf.civilised_village": "0",
}
RURAL_FULL = {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL, **PAFZ_FULL, **WMXF_FULL}

# --- community (2023-community.yaml): the required items only, so every star misses on points -----------
COMMUNITY_SOME = {"zbgy.venue": "是", "xfhx.elderly_centre": "是", "xfhx.day_care": "否"}


def replace_once(text: str, old: str, new: str) -> str:
    """Edit a rulebook's YAML text, making sure the edit hits exactly one place."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def edited_yaml(rb: Any, change: Callable[[dict[str, Any]], None]) -> str:
    """The YAML of rb's rulebook after `change` edits its plain-data form (to_dict → change → YAML)."""
    from wuxing.rules.schema import parse_rulebook

    data = rb.rulebook.to_dict()
    change(data)
    return parse_rulebook(data).to_yaml()


def indicator_data(data: dict[str, Any], code: str) -> dict[str, Any]:
    for star in data["stars"]:
        for ind in star["indicators"]:
            if ind["code"] == code:
                return ind
    raise KeyError(code)


def text_of(response: Any) -> str:
    """A page's visible text, tags stripped and white space collapsed (for "contains this sentence")."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def score_form_data(client: Any, url: str, changes: dict[str, Any], note: str = "") -> dict[str, Any]:
    """What a browser submits from the score form at `url` after its user typed `changes`
    ({indicator code: text}): every field as the page showed it, with its hidden "was shown" twin."""
    form = client.get(url).context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name.startswith(("v_", "o_")) and not field.disabled:
            data[name] = form.initial.get(name, "")
    for code, value in changes.items():
        data[f"v_{code}"] = value
    data["note"] = note
    return data
