"""The rating table and each organisation's star card."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wuxing.core import jobs
from wuxing.core.excel import workbook_response
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.orgs.models import AreaKind
from wuxing.orgs.queries import visible_streets
from wuxing.rules import exports, kept, official, queries, services
from wuxing.rules.engine import rate_one
from wuxing.rules.forms import (
    RatingFilterForm,
    VetoForm,
)
from wuxing.rules.models import VetoEvent
from wuxing.rules.views.common import _branch, _year, _years

SORTS = kept.PYTHON_ORDERS


PAGE_SIZE = 50


def _filters(request: HttpRequest, years: list[int], streets: Any) -> tuple[RatingFilterForm, dict[str, Any]]:
    """Each filter on its own: a missing year is the current rating year (the default of `_years`), and
    an invalid filter is dropped with a warning while the valid ones still apply."""
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(years[0])
    form = RatingFilterForm(data, years=years, streets=streets)
    params: dict[str, Any] = {"year": years[0]}
    if not form.is_valid():
        messages.warning(
            request,
            _("筛选条件无效（%(e)s），已忽略。")
            % {
                "e": "；".join(
                    f"{form.fields[k].label if k in form.fields else k}：{v[0]}"
                    for k, v in form.errors.items()
                )
            },
        )
    params.update(form.cleaned_data)
    return form, params


@require_safe
def ratings(request: HttpRequest) -> HttpResponseBase:
    years = _years()
    streets = visible_streets(request.user)
    form, params = _filters(request, years, streets)
    year = int(params["year"])
    street = streets.filter(pk=params["street"]).first() if params.get("street") else None
    kind = params.get("kind") or None
    level = int(params["level"]) if params.get("level") not in (None, "") else None
    q = (params.get("q") or "").strip()
    sort = request.GET.get("sort") or "street"
    if sort not in SORTS:
        sort = "street"
    if request.GET.get("format") == "xlsx":
        filename = f"星级评定-{year}-{today():%Y%m%d}.xlsx"
        if kept.refresh_scope(request.user, year, street=street) and (
            kept.filtered(kept.kept_ratings(request.user, year, street=street, kind=kind), level, q).count()
            > settings.WUXING_EXPORT_JOB_ROWS
        ):
            # a province-size export runs as a job: the page shows its progress, then the download
            job = jobs.start(
                request.user,
                "ratings_xlsx",
                _("%(year)s年星级评定 Excel") % {"year": year},
                filename,
                {
                    "year": year,
                    "street": street.pk if street else None,
                    "kind": kind,
                    "level": level,
                    "q": q,
                    "sort": sort,
                },
            )
            return redirect("core:job", pk=job.pk)
        versions = kept.export_versions(request.user, year, street=street, kind=kind)
        sheets = exports.ratings_sheets(
            year,
            versions,
            lambda k: kept.iter_rows(request.user, year, street=street, kind=k, level=level, q=q, sort=sort),
        )
        return workbook_response(sheets, filename)
    page = int_param(request, "page", label=_("页码"), max_value=1_000_000) or 1
    listing = kept.listing(
        request.user,
        year,
        street=street,
        kind=kind,
        level=level,
        q=q,
        sort=sort,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    if listing is None:  # the kept table could not be brought up to date: rate in memory
        everything = queries.rate(request.user, year, street=street, kind=kind)
        chosen = _filtered(everything, level, q, sort)
        offset = (page - 1) * PAGE_SIZE
        listing = kept.Listing(
            chosen[offset : offset + PAGE_SIZE], len(chosen), queries.distribution(everything)
        )
    pages = max(1, -(-listing.count // PAGE_SIZE))
    dist_all = listing.distribution
    versions = queries.year_versions(year)
    named = official.named_versions(year)
    labels = dict(AreaKind.choices)
    star_heads = {kind: [(s.code, s.name) for s in rb.rulebook.stars] for kind, rb in versions.items()}
    total = sum(dist_all.values())
    three_plus = sum(v for k, v in dist_all.items() if k >= 3)
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("format", None)
    keep["year"] = str(year)
    return render(
        request,
        "rules/ratings.html",
        {
            "form": form,
            "rows": listing.rows,
            "year": year,
            "street": street,
            "distribution": sorted(dist_all.items(), reverse=True),
            "total": total,
            "shown": listing.count,
            "three_plus": three_plus,
            "three_plus_pct": round(100 * three_plus / total, 1) if total else 0,
            "versions": versions,
            "star_heads": star_heads,
            "sort": sort,
            "qs": keep.urlencode(),
            "page": page,
            "pages": pages,
            "first_shown": (page - 1) * PAGE_SIZE + 1,
            "last_shown": min(page * PAGE_SIZE, listing.count),
            "placeholder": any(rb.is_placeholder for rb in versions.values()),
            "named_labels": [labels[k] for k in AreaKind.values if k in named],
            "live_labels": [labels[k] for k in AreaKind.values if k in versions and k not in named],
        },
    )


def _filtered(rows: list[queries.RatingRow], level: int | None, q: str, sort: str) -> list[queries.RatingRow]:
    if level is not None:
        rows = [r for r in rows if r.level == level]
    if q:
        rows = [r for r in rows if q in r.org_name or q in r.org_code]
    rows.sort(key=SORTS[sort])
    return rows


@require_safe
def card(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    year = _year(request)
    rb = services.active_rulebook(year, org.area_kind)
    ctx: dict[str, Any] = {"org": org, "year": year, "years": _years(), "rb": rb}
    # One truth per year: a named year's level is the official record's; the engine's explanation below
    # it follows today's rulebook and data, for comparison.
    from wuxing.reviews.queries import year_results

    if org.area_kind in official.named_versions(year):
        ctx["official"] = next(iter(year_results(request.user, year, org_ids=[org.pk])), None)
    if rb is not None:
        book = rb.rulebook
        values = queries.org_values(org, year, book)
        veto_names = {v.code: f"{s.name}：{v.name}" for s in book.stars for v in s.vetoes}
        events = list(VetoEvent.objects.filter(org=org, year=year).select_related("recorded_by"))
        # each event with its name; codes this version does not know are shown but do not count
        vetoes = [
            (
                e,
                veto_names.get(e.veto_code)
                or _("%(code)s（当前细则无此否决项，不计入）") % {"code": e.veto_code},
            )
            for e in events
        ]
        active = {e.veto_code for e in events if e.revoked_at is None and e.veto_code in veto_names}
        result = rate_one(book, values, active, org=org.pk, detail=True)
        scores = {s.indicator_code: s for s in queries.scores_with_evidence(org, year)}
        stars = []
        for star in book.stars:
            sr = result.star_results[star.code]
            indicators = [
                (ind, values.get(ind.code), row, scores.get(ind.code))
                for ind, row in zip(star.indicators, sr.indicators, strict=False)
            ]
            stars.append({"star": star, "result": sr, "indicators": indicators})
        ctx.update(
            {
                "book": book,
                "result": result,
                "stars": stars,
                "vetoes": vetoes,
                "can_enter": request.user.has_perm("starrules.enter_scores_for", org),
                "can_veto": request.user.has_perm("starrules.record_veto", org),
                "veto_form": VetoForm(book=book),
            }
        )
    return render(request, "rules/card.html", ctx)
