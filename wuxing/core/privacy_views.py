"""个人信息查看记录: the district admin reads who saw full personal data, when, whose and where."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wuxing.accounts.models import Role
from wuxing.core.dates import DateError, parse_date
from wuxing.core.excel import Column, Sheet, workbook_response
from wuxing.core.models import PersonalDataView
from wuxing.core.views import paginate
from wuxing.core.workdays import today

ROLE_LABELS = {str(value): str(label) for value, label in Role.choices}

COLUMNS = [
    Column("at", "时间", width=18),
    Column("actor", "查看人", width=14),
    Column("role", "角色", width=16),
    Column("what", "内容", width=16),
    Column("subject", "对象", width=24),
    Column("count", "人数", width=8),
    Column("where", "位置", width=40),
]


@require_safe
def privacy_log(request: HttpRequest) -> HttpResponseBase:
    if not request.user.has_perm("core.read_privacy_log"):
        raise PermissionDenied
    qs = PersonalDataView.objects.select_related("actor").order_by("-at", "-pk")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(
            Q(actor__username__icontains=q) | Q(actor__full_name__icontains=q) | Q(subject__icontains=q)
        )
    errors = []
    dates = {}
    for key in ("from", "to"):
        raw = request.GET.get(key, "").strip()
        if raw:
            try:
                dates[key] = parse_date(raw)
            except DateError as exc:
                errors.append(f"{_('起始日期') if key == 'from' else _('截止日期')}：{exc}")
    if "from" in dates:
        qs = qs.filter(at__date__gte=dates["from"])
    if "to" in dates:
        qs = qs.filter(at__date__lte=dates["to"])
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                timezone.localtime(v.at),
                v.actor.username if v.actor else _("系统"),
                ROLE_LABELS.get(v.actor_role, v.actor_role),
                v.what,
                v.subject,
                v.count,
                v.where,
            ]
            for v in qs.iterator(chunk_size=2000)
        )
        return workbook_response(
            [Sheet("个人信息查看记录", COLUMNS, rows)], f"个人信息查看记录-{today():%Y%m%d}.xlsx"
        )
    page, qs_params = paginate(request, qs)
    return render(
        request,
        "core/privacy_log.html",
        {
            "page": page,
            "qs_params": qs_params,
            "q": q,
            "date_from": request.GET.get("from", "")[:20],
            "date_to": request.GET.get("to", "")[:20],
            "errors": errors,
            "role_labels": ROLE_LABELS,
        },
    )
