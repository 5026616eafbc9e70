"""学习培训 pages: the sessions (the district registers them), one session with its attendance (entered
from the sign-in sheet in Excel) and the compliance report of the secretaries' central trainings."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.boards import training
from wuxing.boards.forms import ImportForm, SessionForm
from wuxing.boards.models import TrainingSession
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import Sheet, workbook_response
from wuxing.core.scoping import get_visible, scope
from wuxing.core.views import int_param
from wuxing.core.workdays import today


@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm("boards.manage_training")
    form = SessionForm(request.POST or None, initial={"held_on": today(), "kind": "central"})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = training.create_session(
                    request.user,
                    topic=data["topic"],
                    kind=data["kind"],
                    held_on=data["held_on"],
                    place=data["place"],
                    hours=data["hours"] or Decimal("0"),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已登记培训。"))
                return redirect("boards:training", pk=session.pk)
    from django.db.models import Count

    rows = TrainingSession.objects.annotate(n=Count("attendances")).order_by("-held_on", "-pk")[:200]
    return render(
        request,
        "boards/trainings.html",
        {"rows": rows, "form": form, "can_manage": can_manage, "required": training.required_central()},
    )


@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    session = get_visible(TrainingSession.objects.all(), pk=pk)
    if request.GET.get("format") == "xlsx":
        if not request.user.has_perm("boards.manage_training"):
            raise PermissionDenied
        return workbook_response(training.attendance_template(), "参训名单模板.xlsx")
    from wuxing.boards.models import Attendance

    attendances = scope(
        Attendance.objects.filter(session=session).select_related("person", "org"), request.user, "org"
    )
    return render(
        request,
        "boards/training.html",
        {
            "session": session,
            "attendances": attendances,
            "can_manage": request.user.has_perm("boards.manage_training"),
            "form": ImportForm(),
        },
    )


@require_POST
def attendance_import(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_visible(TrainingSession.objects.all(), pk=pk)
    if not request.user.has_perm("boards.manage_training"):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("boards:training", pk=session.pk)
    try:
        report = training.import_attendance(request.user, session, form.cleaned_data["file"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("boards:training", pk=session.pk)
    if report.ok:
        messages.success(
            request,
            _("已导入：新增 %(c)d 人，已登记过 %(u)d 人。") % {"c": report.created, "u": report.unchanged},
        )
    else:
        messages.error(request, _("未导入，请修改后重新上传："))
        for message in report.messages():
            messages.error(request, message)
    return redirect("boards:training", pk=session.pk)


@require_safe
def compliance(request: HttpRequest) -> HttpResponseBase:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX) or today().year
    lines = training.compliance(request.user, year)
    if request.GET.get("format") == "xlsx":
        return workbook_response(
            [Sheet("培训达标情况", training.COMPLIANCE_COLUMNS, training.compliance_rows(lines))],
            f"书记集中培训达标情况-{year}.xlsx",
        )
    short_only = request.GET.get("short") == "1"
    return render(
        request,
        "boards/compliance.html",
        {
            "year": year,
            "lines": [x for x in lines if x.short] if short_only else lines,
            "short_count": sum(1 for x in lines if x.short),
            "total": len(lines),
            "short_only": short_only,
            "required": training.required_central(),
        },
    )
