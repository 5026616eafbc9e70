"""PDFs: one organisation's star card, and the street or district ratings report (core/pdf.py draws them).

The same engine and queries as the pages: the card is ``engine.rate_one`` on the organisation's values,
the report is ``queries.rate`` of what the user can see (one street with ``?street=``, one kind with
``?kind=``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wuxing.core.pdf import pdf_response
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.dashboard.queries import street_table
from wuxing.orgs.models import AreaKind
from wuxing.orgs.queries import visible_streets
from wuxing.rules import official, queries, services
from wuxing.rules.engine import rate_one
from wuxing.rules.models import VetoEvent
from wuxing.rules.views.common import _branch, _year

# A PDF report is for reading and printing: past this many organisations, report street by street.
REPORT_MAX_ORGS = 500


@require_safe
def card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    year = _year(request)
    rb = services.active_rulebook(year, org.area_kind)
    ctx: dict[str, Any] = {"org": org, "year": year, "rb": rb, "printed": today()}
    if org.area_kind in official.named_versions(year):  # one truth per year: the record comes first
        from wuxing.reviews.queries import year_results

        ctx["official"] = next(iter(year_results(request.user, year, org_ids=[org.pk])), None)
    if rb is not None:
        book = rb.rulebook
        values = queries.org_values(org, year, book)
        known = {v.code for s in book.stars for v in s.vetoes}
        active = set(
            VetoEvent.objects.filter(
                org=org, year=year, revoked_at__isnull=True, veto_code__in=known
            ).values_list("veto_code", flat=True)
        )
        result = rate_one(book, values, active, org=org.pk, detail=True)
        stars = []
        for star in book.stars:
            sr = result.star_results[star.code]
            rows = [
                (ind, values.get(ind.code), row)
                for ind, row in zip(star.indicators, sr.indicators, strict=False)
            ]
            stars.append({"star": star, "result": sr, "indicators": rows})
        ctx.update({"result": result, "stars": stars})
    return pdf_response("rules/pdf/card.html", ctx, f"星级卡片-{org.name}-{year}.pdf", request)


def scope_name(user: Any) -> str:
    """What "everything this user sees" is called on the report's title."""
    if user.role == "street_staff" and user.scope_org_id:
        return str(user.scope_org.name)
    if user.role == "secretary" and user.scope_org_id:
        return str(user.scope_org.name)
    if user.role == "unit" and user.unit_id:
        return _("%(unit)s联系的组织") % {"unit": user.unit.name}
    return _("全区")


@require_safe
def ratings_pdf(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    street_id = int_param(request, "street", label=_("街道/镇"))
    street = visible_streets(request.user).filter(pk=street_id).first() if street_id else None
    kind = request.GET.get("kind") or None
    if kind not in dict(AreaKind.choices):
        kind = None
    rows = queries.rate(request.user, year, street=street, kind=kind)
    if len(rows) > REPORT_MAX_ORGS:
        messages.warning(
            request,
            _("共 %(n)d 个组织，PDF 报告最多 %(max)d 个：请先选择街道/镇再下载。")
            % {"n": len(rows), "max": REPORT_MAX_ORGS},
        )
        return redirect(f"{request.path.rsplit('report.pdf', 1)[0]}?year={year}")
    streets, total = street_table(rows)
    versions = queries.year_versions(year)
    scope = street.name if street else scope_name(request.user)
    ctx = {
        "year": year,
        "scope": scope,
        "kind_label": dict(AreaKind.choices).get(kind, "") if kind else "",
        "rows": rows,
        "streets": streets,
        "total": total,
        "versions": versions,
        "placeholder": any(rb.is_placeholder for rb in versions.values()),
        "sources": sorted({r.source_label for r in rows}),
        "named_kinds": any(r.source == "named" for r in rows),
        "printed": today(),
    }
    return pdf_response("rules/pdf/ratings.html", ctx, f"星级评定报告-{scope}-{year}.pdf", request)
