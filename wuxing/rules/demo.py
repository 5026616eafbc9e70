"""Demo 2023 scores for the Beiguan demo: a plausible star distribution computed by the engine.

Targets follow the shape of a typical Henan county (five-star.md §1: of 98 organisations 2 five-star,
11 four-star, 25 three-star, 56 two-star) scaled to 112, with the seed's two five-star candidates
(后万金村, 恒大绿洲社区) at five stars and the five reserve candidates at four. Values are generated per
star ("good" or "weak") and every outcome is then checked by the engine itself.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from wuxing.core.management.base import system_user
from wuxing.demo import beiguan
from wuxing.orgs.models import OrgUnit
from wuxing.rules import engine, services
from wuxing.rules.models import Score
from wuxing.rules.schema import Indicator, Rulebook, Star
from wuxing.rules.stale import invalidate

YEAR = 2023
REASON = "北关区演示数据：2023年指标得分"
# level → how many organisations (sums to 112)
SHAPE = {5: 2, 4: 13, 3: 29, 2: 62, 1: 6}


def _good(ind: Indicator, rng: random.Random) -> Any:
    if ind.form == "yes_no":
        return True
    if ind.form in ("per_occurrence", "bonus"):
        assert ind.points_each is not None
        need = int((ind.max_points / ind.points_each).to_integral_value()) + rng.randint(0, 2)
        return max(need, ind.effective_min_count) if ind.form == "per_occurrence" else rng.randint(0, need)
    if ind.form == "penalty":
        return 0
    if ind.form == "threshold":
        assert ind.target is not None
        low, high = ind.input_bounds
        step = (high - low) / 10 if high is not None else max(ind.target / 5, Decimal(1))
        value = (
            ind.target + step * Decimal(rng.randint(0, 3)) / 2 if ind.op in (">=", ">") else ind.target - step
        )
        if ind.op == ">":
            value += step / 10
        if high is not None:
            value = min(value, high)
        return max(value, low).quantize(Decimal("0.01"))
    return (ind.max_points * Decimal(rng.randint(85, 100)) / 100).quantize(Decimal("0.5"))


def _weak(ind: Indicator, rng: random.Random) -> Any:
    if rng.random() < 0.55:
        return _good(ind, rng)
    if ind.form == "yes_no":
        return False
    if ind.form in ("per_occurrence", "bonus"):
        return rng.randint(0, max(ind.effective_min_count - 1, 0))
    if ind.form == "penalty":
        return rng.randint(1, 2)
    if ind.form == "threshold":
        assert ind.target is not None
        low, _high = ind.input_bounds
        delta = max(ind.target * Decimal(rng.randint(5, 30)) / 100, Decimal(1))
        value = ind.target - delta if ind.op in (">=", ">") else ind.target + delta
        return max(value, low).quantize(Decimal("0.01"))
    return (ind.max_points * Decimal(rng.randint(30, 60)) / 100).quantize(Decimal("0.5"))


def _star_values(star: Star, good: bool, rng: random.Random) -> dict[str, Any]:
    return {ind.code: (_good if good else _weak)(ind, rng) for ind in star.indicators}


def _plan(book: Rulebook, level: int, rng: random.Random) -> set[str]:
    """Which stars to award for a level: the capstone (a star that requires others) only at five."""
    capstones = [s.code for s in book.stars if s.requires_stars]
    others = [s.code for s in book.stars if not s.requires_stars]
    if level == 5:
        return {s.code for s in book.stars}
    return (
        set(rng.sample(others, min(level, len(others)))) if level <= len(others) else set(others + capstones)
    )


def values_for(book: Rulebook, level: int, rng: random.Random) -> dict[str, Any]:
    target = _plan(book, level, rng)
    for _attempt in range(50):
        values: dict[str, Any] = {}
        for star in book.stars:
            values.update(_star_values(star, star.code in target, rng))
        result = engine.rate_one(book, values)
        if set(result.stars) == target:
            return values
    raise RuntimeError(f"could not generate demo values for level {level}")


def load_demo_scores() -> str | None:
    if Score.objects.filter(year=YEAR).exists():
        return None
    actor = system_user()
    services.load_shipped(actor)
    versions = {kind: services.active_rulebook(YEAR, kind) for kind in ("rural", "community")}
    if not all(versions.values()):
        return None
    rng = random.Random(YEAR)
    orgs = list(OrgUnit.objects.branches().order_by("code"))
    levels: dict[int, int] = {}
    fixed5 = [o for o in orgs if o.name in beiguan.FIVE_STAR_CANDIDATES]
    fixed4 = [o for o in orgs if o.name in beiguan.RESERVE_CANDIDATES]
    for o in fixed5:
        levels[o.pk] = 5
    for o in fixed4:
        levels[o.pk] = 4
    pool = [o for o in orgs if o.pk not in levels]
    rng.shuffle(pool)
    remaining = dict(SHAPE)
    remaining[5] -= len(fixed5)
    remaining[4] -= len(fixed4)
    it = iter(pool)
    for level in (4, 3, 2, 1):
        for _ in range(remaining[level]):
            levels[next(it).pk] = level
    for o in it:
        levels[o.pk] = 2
    scores: list[Score] = []
    for org in orgs:
        rb = versions[org.area_kind]
        assert rb is not None
        values = values_for(rb.rulebook, levels[org.pk], rng)
        for code, value in values.items():
            score = Score(
                org=org, year=YEAR, indicator_code=code, value=services.to_stored(value), rulebook=rb
            )
            services.apply_cell(score, rb, value)
            scores.append(score)
    with transaction.atomic():
        bulk_create_with_history(scores, Score, batch_size=1000, default_change_reason=REASON)
        invalidate(YEAR)
    return f"已生成 {YEAR} 年演示得分：{len(orgs)} 个组织，{len(scores)} 项指标（星级由评星引擎计算）。"


# Evidence on the demo: offices attach minutes, photos and ledgers to most values; a few organisations
# have not caught up. The share with evidence per star level (the better organisations are the tidier).
EVIDENCE_SHARE = {5: 1.0, 4: 1.0, 3: 0.95, 2: 0.8, 1: 0.6, 0: 0.5}
DEMO_EVIDENCE_NAME = "演示佐证材料.pdf"


def demo_pdf(text: str) -> bytes:
    """A small valid one-page PDF saying `text` (ASCII) — enough for the content check and a viewer."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def load_demo_evidence() -> str | None:
    """Attach a small PDF to most demo values of 2023 (idempotent: nothing when any evidence exists)."""
    import hashlib

    from django.core.files.base import ContentFile

    from wuxing.rules.models import Evidence

    if Evidence.objects.filter(score__year=YEAR).exists() or not Score.objects.filter(year=YEAR).exists():
        return None
    content = demo_pdf("Beiguan demo evidence 2023")
    digest = hashlib.sha256(content).hexdigest()
    rng = random.Random(YEAR + 1)
    from wuxing.rules.queries import rate

    levels = {row.org_id: row.level for row in rate(system_user(), YEAR)}
    rows = []
    for score in Score.objects.filter(year=YEAR).order_by("org_id", "indicator_code"):
        if rng.random() >= EVIDENCE_SHARE.get(levels.get(score.org_id, 0), 0.5):
            continue
        evidence = Evidence(score=score, original_name=DEMO_EVIDENCE_NAME, sha256=digest)
        evidence.file.save(DEMO_EVIDENCE_NAME, ContentFile(content), save=False)
        rows.append(evidence)
    with transaction.atomic():
        bulk_create_with_history(
            rows, Evidence, batch_size=1000, default_change_reason="北关区演示数据：佐证材料"
        )
        invalidate(YEAR)  # the kept entry progress counts evidence
    return f"已生成 {YEAR} 年演示佐证材料：{len(rows)} 份（少数组织尚未上传，首页会列出）。"
