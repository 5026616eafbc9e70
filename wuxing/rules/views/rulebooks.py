"""Rulebook pages: the list, one version, YAML editing, 参数调整, activation, cloning to a new year."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.core.history import history_entries
from wuxing.core.models import Job
from wuxing.core.scoping import get_visible
from wuxing.rules import services
from wuxing.rules.forms import (
    CloneForm,
    RulebookUploadForm,
    RulebookYamlForm,
    TuneForm,
)
from wuxing.rules.models import RulebookVersion, Score

# --- rulebooks ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rulebooks(request: HttpRequest) -> HttpResponse:
    qs = (
        RulebookVersion.objects.annotate(n_scores=Count("scores"))
        .select_related("created_by")
        .order_by("-year", "kind", "-version")
    )
    form = RulebookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("starrules.manage_rulebooks"):
            raise PermissionDenied
        if form.is_valid():
            try:
                rb = services.create_version(
                    request.user,
                    form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                    activate=form.cleaned_data["activate"],
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error("file", msg)
            else:
                if (job := _job_of(request, rb)) is not None:
                    return job
                messages.success(request, _("已加载：%(rb)s。") % {"rb": rb} + _changes_text(rb))
                return redirect("starrules:rulebook", pk=rb.pk)
    return render(
        request,
        "rules/rulebooks.html",
        {"rulebooks": qs, "form": form, "can_manage": request.user.has_perm("starrules.manage_rulebooks")},
    )


@require_safe
def rulebook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.select_related("based_on", "created_by"), pk=pk)
    if request.GET.get("format") == "yaml":
        response = HttpResponse(rb.content, content_type="text/yaml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="rulebook-{rb.year}-{rb.kind}-v{rb.version}.yaml"'
        )
        return response
    book = rb.rulebook
    names = {i.code: i.name for _s, i in book.iter_indicators()} | {st.code: st.name for st in book.stars}
    unscored = (
        Score.objects.filter(year=rb.year, org__area_kind=rb.kind)
        .exclude(scored_with=rb)
        .select_related("org")
        .order_by("org__code", "indicator_code")
        if rb.is_active
        else Score.objects.none()
    )
    pending = (
        Job.objects.filter(
            kind=services.ACTIVATION_JOB,
            params__year=rb.year,
            params__kind=rb.kind,
            status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
        )
        .order_by("-pk")
        .first()
    )
    return render(
        request,
        "rules/rulebook_detail.html",
        {
            "rb": rb,
            "pending_job": pending,
            "book": rb.rulebook,
            "has_scores": rb.has_scores(),
            "history": history_entries(rb),
            "can_manage": request.user.has_perm("starrules.manage_rulebooks"),
            "clone_form": CloneForm(initial={"year": rb.year + 1, "activate": True}),
            "names": names,
            "unscored": list(unscored[:50]),
            "unscored_count": unscored.count(),
        },
    )


@require_http_methods(["GET", "POST"])
def rulebook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit in place while no scores exist; otherwise (or on request) save as a new version."""
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    if not request.user.has_perm("starrules.manage_rulebooks"):
        raise PermissionDenied
    frozen = rb.has_scores()
    as_new = frozen or request.POST.get("as_new") == "1" or request.GET.get("as_new") == "1"
    form = RulebookYamlForm(request.POST or None, initial={"content": rb.content, "activate": True})
    if request.method == "POST" and form.is_valid():
        try:
            if as_new:
                saved = services.create_version(
                    request.user,
                    form.cleaned_data["content"],
                    note=form.cleaned_data["note"],
                    based_on=rb,
                    activate=form.cleaned_data["activate"],
                )
            else:
                saved = services.update_version(
                    request.user, rb, form.cleaned_data["content"], form.cleaned_data["note"]
                )
                if form.cleaned_data["activate"] and not saved.is_active:
                    services.activate_version(request.user, saved)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error("content", msg)
        else:
            if (job := _job_of(request, saved)) is not None:
                return job
            messages.success(request, _("已保存：%(rb)s。") % {"rb": saved} + _changes_text(saved))
            return redirect("starrules:rulebook", pk=saved.pk)
    return render(
        request, "rules/rulebook_edit.html", {"rb": rb, "form": form, "as_new": as_new, "frozen": frozen}
    )


@require_http_methods(["GET", "POST"])
def rulebook_tune(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the numbers (达标分, 满分, 门槛值 …) without touching YAML; saving makes a new version."""
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    if not request.user.has_perm("starrules.manage_rulebooks"):
        raise PermissionDenied
    book = rb.rulebook
    form = TuneForm(
        request.POST or None,
        book=book,
        reading=services.current_reading(book),
        readings=services.RELATION_READINGS,
    )
    preview: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        reading = form.cleaned_data["reading"] or None
        if "preview" in request.POST:
            # rate with the modified rulebook in memory and compare; nothing is saved
            try:
                tuned, changed = services.tuned_book(rb, form.numbers(), reading=reading)
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
            else:
                rows = services.rating_changes(request.user, rb.year, rb.kind, tuned)
                preview = {
                    "changed": changed,
                    "rows": rows,
                    "gained": sum(1 for r in rows if r.gained),
                    "lost": sum(1 for r in rows if r.lost),
                    "active": services.active_rulebook(rb.year, rb.kind),
                }
        else:
            started = time.perf_counter()
            try:
                new = services.tune_version(
                    request.user,
                    rb,
                    form.numbers(),
                    reading=reading,
                    note=form.cleaned_data["note"],
                    activate=form.cleaned_data["activate"],
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error(None, msg)
            else:
                if (job := _job_of(request, new)) is not None:
                    return job
                messages.success(request, _tune_report(new, time.perf_counter() - started))
                return redirect("starrules:rulebook", pk=new.pk)
    return render(
        request, "rules/rulebook_tune.html", {"rb": rb, "book": book, "form": form, "preview": preview}
    )


def _job_of(request: HttpRequest, rb: RulebookVersion) -> HttpResponse | None:
    """When rb's rescore went to a background job (§40): to the job's page, which links back to rb."""
    job = getattr(rb, "job", None)
    if job is None:
        return None
    messages.info(
        request,
        _("%(rb)s：数据较多，启用和重新计分在后台进行；完成前各页面仍按原细则显示。") % {"rb": rb},
    )
    return redirect("core:job", pk=job.pk)


def _tune_report(new: RulebookVersion, seconds: float) -> str:
    """What saving a tuned version did: the version, the values rescored (and how long it took), and how
    many organisations' stars changed."""
    text = _("已生成 %(rb)s。") % {"rb": new}
    report = getattr(new, "rescore_report", None)
    if report:
        text += _("已按新版本重新计分 %(n)s 项（用时 %(s).1f 秒）。") % {"n": report[0], "s": seconds}
        if report[1]:
            text += _("有 %(n)s 项已填数据不符合新细则，未计分。") % {"n": len(report[1])}
    return text + _changes_text(new)


def _changes_text(rb: RulebookVersion) -> str:
    """How many organisations' stars changed when rb came into force ("" when that was not compared)."""
    changes = getattr(rb, "rating_changes", None)
    if changes is None:
        return ""
    if not changes:
        return _("没有组织的星级因此变化。")
    return _("星级有变化的组织 %(n)s 个：%(g)s 个获得新的星，%(l)s 个失去星。") % {
        "n": len(changes),
        "g": sum(1 for c in changes if c.gained),
        "l": sum(1 for c in changes if c.lost),
    }


@require_POST
def rulebook_activate(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    services.activate_version(request.user, rb, request.POST.get("note", ""))
    if (job := _job_of(request, rb)) is not None:
        return job
    scored, unscored = getattr(rb, "rescore_report", (0, []))
    text = _("已启用：%(rb)s，星级评定将按此版本计算（重新计分 %(n)s 项）。") % {"rb": rb, "n": scored}
    if unscored:
        text += _("有 %(n)s 项已填数据不符合此版本，未计分：%(items)s") % {
            "n": len(unscored),
            "items": "、".join(f"{o}/{c}" for o, c in unscored[:10]),
        }
    messages.success(request, text + _changes_text(rb))
    return redirect("starrules:rulebook", pk=rb.pk)


@require_POST
def rulebook_clone(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    form = CloneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的年度。"))
        return redirect("starrules:rulebook", pk=rb.pk)
    try:
        new = services.clone_to_year(
            request.user,
            rb,
            form.cleaned_data["year"],
            form.cleaned_data["note"],
            activate=form.cleaned_data["activate"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("starrules:rulebook", pk=rb.pk)
    if (job := _job_of(request, new)) is not None:
        return job
    messages.success(request, _("已复制为 %(rb)s。") % {"rb": new})
    return redirect("starrules:rulebook", pk=new.pk)
