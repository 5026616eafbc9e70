"""动态竞争 pages that enter and correct one thing at a time: one organisation's month (§81), an observation
event's details and route (§82), an event's scores from and to Excel (§83). Thin like views.py: reads
scoped, writes through services, a stale form answered with the Chinese conflict message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wuxing.competition import exports, queries, services
from wuxing.competition.forms import EventEditForm, MonthlyScoreForm, ObservationImportForm, item_field_name
from wuxing.competition.models import MonthlyScore, ObservationEvent
from wuxing.competition.views import _can_manage, _check_year, _errors_to_form, route_orgs
from wuxing.core.excel import template_sheets, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.locking import EditConflict
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.orgs.models import Level

# --------------------------------------------------------------------------- one organisation's month


def _may_score(request: HttpRequest, org: Any) -> bool:
    user: Any = request.user
    return _can_manage(request) or (
        getattr(user, "role", "") == "street_staff" and bool(user.has_perm("competition.score", org))
    )


@require_http_methods(["GET", "POST"])
def monthly_entry(request: HttpRequest, org: int, year: int, month: int) -> HttpResponse:
    """Enter or correct one organisation's 月考评 of one month (decisions §81)."""
    _check_year(year)
    if not 1 <= month <= 12:
        raise Http404
    branch = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=org)
    if not _may_score(request, branch):
        raise PermissionDenied
    checklist = queries.checklist_for(year)
    row = MonthlyScore.objects.select_related("checklist").filter(org=branch, year=year, month=month).first()
    takes_part = any(info.pk == branch.pk for info, _l, _s in queries.eligible(request.user, year))
    initial: dict[str, Any] = {}
    if row is not None:
        initial = {item_field_name(code): value for code, value in row.items.items()}
        initial.update(scored_by=row.scored_by, lock_version=row.lock_version)
    form = MonthlyScoreForm(request.POST or None, initial=initial, checklist=checklist)
    if request.method == "POST" and takes_part and form.is_valid():
        try:
            services.save_monthly_score(
                request.user, branch, year, month, form.item_values(), form.cleaned_data["scored_by"],
                form.cleaned_data["reason"], expected_version=form.expected_version(),
            )  # fmt: skip
        except EditConflict as exc:
            show_conflict(form, exc)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    field = item_field_name(name) if item_field_name(name) in form.fields else name
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("已保存 %(org)s %(year)s 年 %(month)s 月的月考评得分。")
                % {"org": branch.name, "year": year, "month": month},
            )
            return redirect(f"{reverse('competition:rankings')}?year={year}&month={month}")
    history = row.history.select_related("history_user").order_by("-history_date")[:10] if row else []
    return render(
        request, "competition/monthly_entry.html",
        {"year": year, "month": month, "months": range(1, 13), "org": branch, "row": row, "form": form,
         "checklist": checklist, "takes_part": takes_part, "history": history},
    )  # fmt: skip


# --------------------------------------------------------------------------- an event's details and route


def _event_for_organiser(request: HttpRequest, pk: int) -> ObservationEvent:
    event: ObservationEvent = get_visible(queries.visible_events(request.user), pk=pk)
    if not services._may_organise(request.user, event.organiser):
        raise PermissionDenied
    return event


@require_http_methods(["GET", "POST"])
def observation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an event's title, date, route and observers (decisions §82)."""
    event = _event_for_organiser(request, pk)
    stops = list(event.stops.select_related("org"))
    initial = {
        "title": event.title,
        "held_on": event.held_on,
        "orgs": "\n".join(s.org.code for s in stops),
        "observers": "\n".join(event.observers),
        "lock_version": event.lock_version,
    }
    form = EventEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        route = route_orgs(request, form)
        if route is not None:
            try:
                services.update_event(
                    request.user, event, title=data["title"], held_on=data["held_on"],
                    orgs=route, observers=data["observers"].splitlines(),
                    reason=data["reason"], expected_version=data["lock_version"],
                    drop_scores=data["drop_scores"],
                )  # fmt: skip
            except EditConflict as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已修改观摩活动。"))
                return redirect("competition:observation", pk=event.pk)
    counts: dict[int, int] = {}
    for org_id in event.scores.values_list("org_id", flat=True):
        counts[org_id] = counts.get(org_id, 0) + 1
    route = [(s, counts.get(s.org_id, 0)) for s in stops]
    return render(
        request, "competition/observation_edit.html", {"event": event, "form": form, "route": route}
    )


# --------------------------------------------------------------------------- an event's scores from Excel


@require_http_methods(["GET", "POST"])
def observation_import(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Import an event's scores from Excel (decisions §83); ?format=xlsx: the template, filled in."""
    event = _event_for_organiser(request, pk)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        stops = list(event.stops.select_related("org"))
        given = {(o, n): s for o, n, s in event.scores.values_list("org_id", "observer", "score")}
        example = [event.observers[0] if event.observers else "张三", "ZB001", "西漳涧村", 88.5]
        sheets = template_sheets(
            services.OBSERVATION_SHEET, services.observation_columns(), example,
            exports.observation_rows(event, stops, given), frozen_columns=3,
            rules=["每位评分人对每个观摩的组织一行；文件中的行设定其得分（留空为没有评分），文件中没有的行保持不变。",
                   "评分人和组织必须是本次观摩的评分人和路线上的组织。"],
        )  # fmt: skip
        return workbook_response(sheets, f"{event.held_on:%Y%m%d}观摩评分导入模板.xlsx")
    report = None
    form = ObservationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = services.import_observation_scores(
            request.user, event, form.cleaned_data["file"], form.cleaned_data["reason"]
        )
        if report.ok:
            messages.success(
                request,
                _("已导入观摩评分：新增 %(c)s 个，修改或删除 %(u)s 个，未变 %(n)s 个。")
                % {"c": report.created, "u": report.updated, "n": report.unchanged},
            )
            return redirect("competition:observation", pk=event.pk)
    return render(
        request, "competition/observation_import.html", {"event": event, "form": form, "report": report}
    )
