"""一星一专班 page: the working group of each star and the per-star progress summary of a year (PDF for
printing, Excel for the data); the district sets up or changes a group on the same page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wuxing.boards import groups
from wuxing.boards.forms import GroupForm
from wuxing.core.excel import Sheet, workbook_response
from wuxing.core.locking import EditConflict
from wuxing.core.pdf import pdf_response
from wuxing.core.workdays import today
from wuxing.rules.views.common import _year


@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    on = today()
    lines = groups.summary(request.user, year, on)
    fmt = request.GET.get("format")
    if request.method == "GET" and fmt == "xlsx":
        return workbook_response(
            [Sheet(f"{year}年分星进展", groups.COLUMNS, groups.rows(lines))], f"一星一专班进展-{year}.xlsx"
        )
    ctx = {"year": year, "lines": lines, "printed": on}
    if request.method == "GET" and fmt == "pdf":
        return pdf_response("boards/groups_pdf.html", ctx, f"一星一专班进展-{year}.pdf", request)
    can_manage = request.user.has_perm("boards.manage_groups")
    stars = [(x.code, x.name) for x in lines]
    form = GroupForm(request.POST or None, stars=stars)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                groups.save_group(
                    request.user,
                    data["star_code"],
                    leader=data["leader"],
                    members=data["members"],
                    duties=data["duties"],
                    expected_version=data["lock_version"],
                )
            except EditConflict as exc:
                messages.error(request, exc.messages[0])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("已保存星级专班。"))
                return redirect(f"{request.path}?year={year}")
    return render(request, "boards/groups.html", {**ctx, "form": form, "can_manage": can_manage})
