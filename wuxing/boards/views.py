"""补齐短板 pages: the task list (filters, per-street overdue table, Excel export and import), one task
(notes with evidence, closing, cancelling), creating tasks by hand or from the gap list, the dispatched
units' page (their organisations, help visits; for the district the coverage report). Thin: writes go
through boards.services, reads start from boards.queries (the scoping choke point)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.boards import imports, queries, services
from wuxing.boards.forms import (
    CancelForm,
    CloseForm,
    FromGapsForm,
    ImportForm,
    NoteForm,
    TaskEditForm,
    TaskForm,
    VisitForm,
)
from wuxing.boards.models import FocusArea, TaskNote, TaskStatus
from wuxing.core.excel import workbook_response
from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.core.scoping import get_visible, scope, sees_whole_district, visible_orgs
from wuxing.core.views import int_param, paginate
from wuxing.core.workdays import today
from wuxing.orgs.models import Level
from wuxing.orgs.queries import visible_streets
from wuxing.rules.views.common import _year


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _filters(request: HttpRequest) -> queries.TaskFilters:
    f = queries.TaskFilters()
    street_id = int_param(request, "street", label=_("街道/镇"))
    if street_id is not None:
        f.street = visible_streets(request.user).filter(pk=street_id).first()
    org_id = int_param(request, "org", label=_("组织"))
    if org_id is not None:
        f.org = visible_orgs(request.user).filter(pk=org_id, level=Level.BRANCH).first()
    status = request.GET.get("status", "")
    f.status = status if status in TaskStatus.values else ""
    f.overdue = request.GET.get("overdue") == "1"
    f.focus = int_param(request, "focus", label=_("重点领域"), max_value=2**31 - 1)
    return f


@require_safe
def task_list(request: HttpRequest) -> HttpResponseBase:
    f = _filters(request)
    base = queries.visible_tasks(request.user)
    tasks = queries.filter_tasks(base, f)
    if request.GET.get("format") == "xlsx":
        return workbook_response(imports.export_sheets(tasks), f"短板任务-{today():%Y%m%d}.xlsx")
    page, query = paginate(request, queries.with_counts(tasks).order_by("deadline", "pk"))
    return render(
        request,
        "boards/tasks.html",
        {
            "page": page,
            "query": query,
            "filters": f,
            "streets": visible_streets(request.user),
            "focus_areas": FocusArea.objects.all(),
            "statuses": TaskStatus.choices,
            "per_street": queries.per_street(request.user, base),
            "today": today(),
            "can_plan": request.user.has_perm("boards.plan"),
        },
    )


@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)
    if not request.user.has_perm("boards.create_task", org):
        raise PermissionDenied
    form = TaskForm(
        request.POST or None,
        area_kind=org.area_kind,
        initial={"year": today().year, "deadline": services.default_deadline(today().year)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.create_task(
                request.user,
                org,
                year=data["year"],
                title=data["title"],
                deadline=data["deadline"],
                owner=data["owner"],
                focus_area=data["focus_area"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已新建任务。"))
            return redirect("boards:task", pk=task.pk)
    return render(request, "boards/task_form.html", {"form": form, "org": org})


@require_POST
def from_gaps(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)
    if not request.user.has_perm("boards.create_task", org):
        raise PermissionDenied
    form = FromGapsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("starrules:card", pk=org.pk)
    year = form.cleaned_data["year"]
    try:
        created = services.create_from_gaps(
            request.user,
            org,
            year,
            deadline=form.cleaned_data["deadline"],
            owner=form.cleaned_data["owner"],
        )
    except ValidationError as exc:
        _flash(request, exc)
        return redirect(f"{_card_url(org.pk)}?year={year}")
    if created:
        messages.success(request, _("已按差距清单生成 %(n)d 项任务。") % {"n": len(created)})
    else:
        messages.info(request, _("差距清单中的每一项都已有进行中的任务，没有新增。"))
    return redirect(f"{_tasks_url()}?org={org.pk}")


def _card_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("starrules:card", kwargs={"pk": pk})


def _tasks_url() -> str:
    from django.urls import reverse

    return reverse("boards:tasks")


@require_safe
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_visible(queries.visible_tasks(request.user), pk=pk)
    notes = list(task.notes.select_related("by"))
    decisions = DecisionLog.objects.filter(
        content_type__app_label="boards", content_type__model="task", object_id=str(task.pk)
    ).select_related("actor")
    can_progress = task.status == TaskStatus.OPEN and request.user.has_perm("boards.progress_task", task)
    can_change = task.status == TaskStatus.OPEN and request.user.has_perm("boards.change_task", task)
    return render(
        request,
        "boards/task.html",
        {
            "task": task,
            "notes": notes,
            "decisions": decisions,
            "can_progress": can_progress,
            "can_change": can_change,
            "note_form": NoteForm(),
            "close_form": CloseForm(initial={"lock_version": task.lock_version}, auto_id="close_%s"),
            "edit_form": TaskEditForm(
                initial={
                    "title": task.title,
                    "focus_area": task.focus_area_id,
                    "owner": task.owner,
                    "deadline": task.deadline,
                    "lock_version": task.lock_version,
                },
                area_kind=task.org.area_kind,
                auto_id="edit_%s",
            ),
            "cancel_form": CancelForm(initial={"lock_version": task.lock_version}, auto_id="cancel_%s"),
            "has_evidence": any(n.evidence for n in notes),
            "overdue": task.is_overdue(today()),
        },
    )


def _task_action(
    request: HttpRequest,
    pk: int,
    perm: str,
    form: Any,
    act: Callable[[Any, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """One task action (note, close, edit, cancel): the task as the user sees it, the permission, the form,
    then the service; a refusal or an edit conflict is a message on the task's page, never a change."""
    task = get_visible(queries.visible_tasks(request.user), pk=pk)
    if not request.user.has_perm(perm, task):
        raise PermissionDenied
    bound = form(task)
    if bound.is_valid():
        try:
            act(task, bound.cleaned_data)
        except EditConflict as exc:
            messages.error(request, exc.messages[0])
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, done)
    else:
        _form_errors(request, bound)
    return redirect("boards:task", pk=task.pk)


@require_POST
def task_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        "boards.progress_task",
        lambda task: NoteForm(request.POST, request.FILES),
        lambda task, d: services.add_note(request.user, task, d["text"], d["evidence"]),
        _("已记录进展。"),
    )


@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        "boards.progress_task",
        lambda task: CloseForm(request.POST, request.FILES),
        lambda task, d: services.close_task(
            request.user, task, d["text"], d["evidence"], expected_version=d["lock_version"]
        ),
        _("任务已完成。"),
    )


@require_POST
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        "boards.change_task",
        lambda task: TaskEditForm(request.POST, area_kind=task.org.area_kind),
        lambda task, d: services.update_task(
            request.user,
            task,
            {k: d[k] for k in ("title", "focus_area", "owner", "deadline")},
            d["reason"],
            expected_version=d["lock_version"],
        ),
        _("已保存修改。"),
    )


@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        "boards.change_task",
        lambda task: CancelForm(request.POST),
        lambda task, d: services.cancel_task(
            request.user, task, d["reason"], expected_version=d["lock_version"]
        ),
        _("任务已取消。"),
    )


@require_safe
def note_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A note's evidence file, to whoever sees the task's organisation; anybody else gets 404. The file
    is under MEDIA_ROOT, which the web server does not serve: this view is the only way to it."""
    note = get_visible(scope(TaskNote.objects.select_related("task"), request.user, "task__org"), pk=pk)
    if not note.evidence:
        raise Http404
    return FileResponse(
        note.evidence.open("rb"), as_attachment=True, filename=note.evidence_name or "佐证材料"
    )


@require_http_methods(["GET", "POST"])
def task_import(request: HttpRequest) -> HttpResponseBase:
    if not request.user.has_perm("boards.plan"):
        raise PermissionDenied
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return workbook_response(imports.template(), "短板任务导入模板.xlsx")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = imports.import_tasks(request.user, form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if report.ok:
                messages.success(
                    request,
                    _("导入完成：新增 %(c)d 项，修改 %(u)d 项，未变 %(n)d 项。")
                    % {"c": report.created, "u": report.updated, "n": report.unchanged},
                )
                return redirect("boards:tasks")
    return render(request, "boards/import.html", {"form": form, "report": report})


# --- dispatched units ---------------------------------------------------------------------------------------


@require_safe
def units(request: HttpRequest) -> HttpResponse:
    """A unit: its organisations with their open tasks and visits. The district and leaders: coverage
    (organisations without a unit, units without a visit within the period). Streets: their part."""
    days = (
        int_param(request, "days", label=_("天数"), min_value=1, max_value=3660) or queries.VISIT_PERIOD_DAYS
    )
    orgs = list(
        visible_orgs(request.user)
        .filter(level=Level.BRANCH, assigned_unit__isnull=False)
        .select_related("assigned_unit")
        .order_by("code")
    )
    open_counts = dict(
        queries.visible_tasks(request.user)
        .filter(status=TaskStatus.OPEN, org__in=[o.pk for o in orgs])
        .order_by()
        .values_list("org_id")
        .annotate(n=_count())
    )
    visits = list(queries.visible_visits(request.user)[:50])
    return render(
        request,
        "boards/units.html",
        {
            "orgs": [(o, open_counts.get(o.pk, 0)) for o in orgs],
            "visits": visits,
            "coverage": queries.coverage(request.user, days),
            "days": days,
            "default_days": queries.VISIT_PERIOD_DAYS,
            "whole_district": sees_whole_district(request.user),  # type: ignore[arg-type]
            "today": today(),  # the visit form of each row is plain inputs (VisitForm checks them)
            "can_visit": request.user.is_superuser
            or getattr(request.user, "role", "") in ("district_admin", "unit"),
        },
    )


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


@require_POST
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)
    if not request.user.has_perm("boards.log_visit", org):
        raise PermissionDenied
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        from wuxing.core.money import to_yuan

        try:
            services.log_visit(
                request.user,
                org,
                visited_on=data["visited_on"],
                money=to_yuan(data["money"] or 0),
                projects=data["projects"],
                people=data["people"] or 0,
                note=data["note"],
            )
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("已登记走访。"))
    else:
        _form_errors(request, form)
    return redirect("boards:units")


__all__ = ["_year"]
