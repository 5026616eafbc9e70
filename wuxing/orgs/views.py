"""Registry pages. Thin: reads go through queries (scoped), writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.core.dates import parse_date
from wuxing.core.excel import Column, Sheet, template_sheets, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.history import history_entries
from wuxing.core.locking import EditConflict, parse_version
from wuxing.core.privacy import log_full_view, mask
from wuxing.core.scoping import get_visible, scope, visible_orgs, visible_people, visible_posts, visible_units
from wuxing.core.views import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    int_param,
    paginate,
    querystring_without,
)
from wuxing.core.workdays import today
from wuxing.orgs import queries, services
from wuxing.orgs.forms import (
    BranchForm,
    DeleteForm,
    ImportForm,
    OrgFilterForm,
    PersonForm,
    PostForm,
    StreetForm,
    UnitForm,
)
from wuxing.orgs.models import Level, OrgUnit, Person, Post, PostRole
from wuxing.rules import kept
from wuxing.rules.queries import active_versions


def _form_errors_to_form(form: Any, exc: ValidationError) -> None:
    if isinstance(exc, EditConflict):
        show_conflict(form, exc)
        return
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.error_dict.items():
            target = fld if fld in form.fields else None
            for e in errs:
                form.add_error(target, e.messages[0] if hasattr(e, "messages") else str(e))
    else:
        for msg in exc.messages:
            form.add_error(None, msg)


# --- tree and list ------------------------------------------------------------------------------------


@require_safe
def tree(request: HttpRequest) -> HttpResponse:
    groups, total, lazy = queries.tree(request.user)
    return render(
        request,
        "orgs/tree.html",
        {"groups": groups, "total": total, "lazy": lazy, "star_year": _star_year()},
    )


def _star_year() -> int | None:
    """The current rating year when it has an active rulebook (the year star levels are shown for)."""
    year = kept.rating_years()[0]
    return year if active_versions(year) else None


@require_safe
def tree_street(request: HttpRequest, pk: int) -> HttpResponse:
    """One street's organisations for the tree, loaded when the street is opened (htmx)."""
    street = get_visible(queries.visible_streets(request.user), pk=pk)
    branches = queries.street_branches(request.user, street)
    return render(request, "orgs/_tree_branches.html", {"branches": branches})


ORG_EXPORT_COLUMNS = [
    Column("street", "所属街道/镇"),
    Column("code", "组织编码"),
    Column("name", "组织名称", width=28),
    Column("area_kind", "类型"),
    Column("branch_type", "组织形式"),
    Column("member_count", "党员人数"),
    Column("secretary", "现任书记"),
    Column("assigned_unit", "分包区直单位", width=24),
    Column("is_demo", "演示数据"),
]


STAR_SORTS = {"stars": F("star_level").desc(nulls_last=True), "-stars": F("star_level").asc(nulls_last=True)}


@require_safe
def org_list(request: HtmxHttpRequest) -> HttpResponseBase:
    form = OrgFilterForm(
        request.GET or None, streets=queries.visible_streets(request.user), units=visible_units(request.user)
    )
    params: dict[str, Any] = {"sort": request.GET.get("sort")}
    if form.is_valid():
        params.update(form.cleaned_data)
    qs = queries.branch_list(request.user, params)
    # the current rating year's star level from the kept ratings (one subquery, no query per row)
    year: int | None = kept.rating_years()[0]
    if year is not None and active_versions(year):
        kept.refresh_scope(request.user, year)
        qs = kept.with_level(qs, year)
        if params.get("star_level") is not None:
            qs = qs.filter(**{"star_level": params["star_level"]})  # the annotation above
        if params.get("sort") in STAR_SORTS:
            qs = qs.order_by(STAR_SORTS[params["sort"]], "path")
    else:
        year = None
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                o.street_name,
                o.code,
                o.name,
                o.get_area_kind_display(),
                o.get_branch_type_display(),
                o.member_count,
                o.secretary_name or "",
                o.assigned_unit.name if o.assigned_unit else "",
                "是" if o.is_demo else "",
                *([] if year is None else ["" if o.star_level is None else f"{o.star_level}星"]),
            ]
            for o in qs.iterator(chunk_size=2000)
        )
        columns = ORG_EXPORT_COLUMNS + (
            [] if year is None else [Column("star_level", f"{year}年星级（实时评定）")]
        )
        return workbook_response([Sheet("组织列表", columns, rows)], f"组织列表-{today():%Y%m%d}.xlsx")
    page, qs_params = paginate(request, qs)
    template = "orgs/_org_rows.html" if request.htmx and request.GET.get("partial") else "orgs/org_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "qs_params": qs_params,
            "sort_params": querystring_without(request, "sort", "page"),
            "sort": request.GET.get("sort") or "",
            "can_add": request.user.has_perm("orgs.manage_registry"),
            "star_year": year,
        },
    )


# --- organisation profile and edits ---------------------------------------------------------------------


@require_safe
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).select_related("assigned_unit"), pk=pk)
    ctx: dict[str, Any] = {"org": org, "history": history_entries(org)}
    ancestors = list(OrgUnit.objects.get_ancestors(org))
    visible_ids = set(
        visible_orgs(request.user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True)
    )
    ctx["ancestors"] = [(a, a.pk in visible_ids) for a in ancestors]  # link only what the user may open
    if org.level == Level.BRANCH:
        ctx["current_posts"], ctx["past_posts"] = queries.org_posts(org)
        ctx["people_without_post"] = Person.objects.filter(home_org=org, posts__isnull=True)
        ctx["post_history"] = (
            Post.history.filter(org_id=org.pk)
            .select_related("history_user", "person")
            .order_by("-history_date", "-history_id")[:50]
        )
    else:
        children = queries.with_street_and_secretary(
            visible_orgs(request.user).filter(path__startswith=org.path, level=Level.BRANCH)
        ).order_by("path")
        ctx["children"] = children
    years = [y for y in kept.rating_years() if active_versions(y)]
    if org.level == Level.BRANCH:
        ctx["star_levels"] = _official_levels(request.user, org, kept.levels_by_year(org, years))
    elif org.level == Level.STREET and years:
        ctx["star_summary"] = _official_summary(
            request.user,
            org,
            kept.street_summary(request.user, org, years),  # refreshes the street
        )
        ctx["children"] = kept.with_level(ctx["children"], years[0])
        ctx["star_year"] = years[0]
    ctx["can_edit"] = request.user.has_perm("orgs.change_orgunit", org)
    ctx["can_delete"] = request.user.has_perm("orgs.delete_orgunit", org)
    ctx["can_add_branch"] = org.level == Level.STREET and request.user.has_perm("orgs.add_branch", org)
    return render(request, "orgs/org_detail.html", ctx)


def _official_levels(user: Any, org: OrgUnit, live: list[tuple[int, int | None]]) -> list[tuple[Any, ...]]:
    """(year, level, source) newest first: a year named for the organisation's kind from its official
    record (reviews), any other year from the live rating."""
    from wuxing.reviews.queries import NAMED, named_kinds, year_results

    out: list[tuple[Any, ...]] = []
    for year, level in live:
        if org.area_kind in named_kinds(year):
            record = next(iter(year_results(user, year, org_ids=[org.pk])), None)
            if record is not None and record.source == NAMED:
                out.append((year, record.level, NAMED))
                continue
        out.append((year, level, "live"))
    return out


def _official_summary(user: Any, street: OrgUnit, live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The street's distribution per year, a named year counted from its official record."""
    from wuxing.reviews.queries import NAMED, named_kinds, year_results

    ids = list(
        visible_orgs(user)
        .filter(path__startswith=street.path, level=Level.BRANCH)
        .values_list("pk", flat=True)
    )
    for entry in live:
        entry["source"] = "live"
        if not named_kinds(entry["year"]):
            continue
        rows = year_results(user, entry["year"], org_ids=ids)
        counts = {level: 0 for level, _n in entry["distribution"]}
        for row in rows:
            counts[row.level] = counts.get(row.level, 0) + 1
        total = len(rows)
        three = sum(n for level, n in counts.items() if level >= 3)
        entry.update(
            distribution=sorted(counts.items(), reverse=True),
            total=total,
            three_plus=three,
            three_plus_pct=round(100 * three / total, 1) if total else 0,
            source=NAMED if all(r.source == NAMED for r in rows) else "mixed",
        )
    return live


def _editable_streets(user: Any) -> Any:
    streets = scope(OrgUnit.objects.streets(), user)
    if user.role == "street_staff":
        streets = OrgUnit.objects.filter(pk=user.scope_org_id)
    return streets.order_by("code")


@require_http_methods(["GET", "POST"])
def branch_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("orgs.manage_registry"):
        raise PermissionDenied
    streets = _editable_streets(request.user)
    initial = {}
    parent_id = int_param(request, "parent", label=_("所属街道/镇"))
    if parent_id is not None:
        initial["parent"] = streets.filter(pk=parent_id).first()
    form = BranchForm(
        request.POST or None,
        streets=streets,
        initial=initial,
        can_assign_unit=request.user.has_perm("orgs.manage_units"),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.BRANCH_FIELDS}
        try:
            org = services.create_branch(
                request.user, form.cleaned_data["parent"], data, form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已新建组织：%(name)s") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "title": _("新建村/社区党组织")})


@require_http_methods(["GET", "POST"])
def street_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("orgs.add_street"):
        raise PermissionDenied
    form = StreetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("code", "name", "street_kind")}
        try:
            org = services.create_street(request.user, data, form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已新建街道/镇：%(name)s") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "title": _("新建街道/镇")})


@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user), pk=pk)
    if not request.user.has_perm("orgs.change_orgunit", org):
        raise PermissionDenied
    if org.level == Level.BRANCH:
        form: Any = BranchForm(
            request.POST or None,
            instance=org,
            streets=_editable_streets(request.user),
            can_assign_unit=request.user.has_perm("orgs.manage_units"),
        )
        fields: tuple[str, ...] = (*services.BRANCH_FIELDS, "parent")
    else:
        form = StreetForm(request.POST or None, instance=org)
        fields = ("code", "name", "street_kind")
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in fields}
        try:
            services.update_org(
                request.user,
                org,
                data,
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:detail", pk=org.pk)
    return render(
        request,
        "orgs/form.html",
        {"form": form, "title": _("编辑：%(name)s") % {"name": org.name}, "obj": org},
    )


@require_http_methods(["GET", "POST"])
def org_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user), pk=pk)
    if not request.user.has_perm("orgs.delete_orgunit", org):
        raise PermissionDenied
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_org(request.user, org, form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已删除：%(name)s") % {"name": org.name})
            return redirect("orgs:list")
    return render(
        request,
        "orgs/form.html",
        {"form": form, "title": _("删除：%(name)s") % {"name": org.name}, "danger": True, "obj": org},
    )


# --- people and posts -------------------------------------------------------------------------------------

PEOPLE_EXPORT_COLUMNS = [
    Column("street", "所属街道/镇"),
    Column("org_code", "组织编码"),
    Column("org", "组织名称", width=24),
    Column("name", "姓名"),
    Column("gender", "性别", width=8),
    Column("phone", "手机号"),
    Column("role", "职务", width=18),
    Column("start", "任职日期"),
    Column("end", "离任日期"),
    Column("lead", "兼任街道(镇)班子成员"),
]


@require_safe
def people(request: HttpRequest) -> HttpResponseBase:
    streets = queries.visible_streets(request.user)
    street_id = int_param(request, "street", label=_("街道/镇"))
    params: dict[str, Any] = {
        "q": request.GET.get("q", ""),
        "role": request.GET.get("role", ""),
        "status": request.GET.get("status", "current"),
        "street_leadership": request.GET.get("street_leadership", ""),
        "street": streets.filter(pk=street_id).first() if street_id is not None else None,
    }
    qs = queries.people_list(request.user, params)
    can_full = request.user.has_perm("orgs.manage_registry")
    if request.GET.get("format") == "xlsx":
        full = can_full and request.GET.get("full") == "1"
        if full:
            log_full_view(
                request.user, _("手机号（导出）"), count=qs.count(), where=request.get_full_path()[:200]
            )
        rows = (
            [
                p.street_name,
                p.org.code,
                p.org.name,
                p.person.name,
                p.person.get_gender_display(),
                p.person.phone if full else mask(p.person.phone),
                p.get_role_display(),
                p.start_date,
                p.end_date,
                "是" if p.on_street_leadership else "否",
            ]
            for p in qs.iterator(chunk_size=2000)
        )
        return workbook_response(
            [Sheet("人员任职", PEOPLE_EXPORT_COLUMNS, rows)], f"人员任职-{today():%Y%m%d}.xlsx"
        )
    page, qs_params = paginate(request, qs)
    return render(
        request,
        "orgs/people.html",
        {
            "page": page,
            "qs_params": qs_params,
            "params": params,
            "streets": streets,
            "roles": PostRole.choices,
            "can_full": can_full,
        },
    )


@require_safe
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, get_visible(visible_people(request.user), pk=pk), revealed=False)


@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full phone number, for whoever may see the person — and a line in the district's log."""
    person = get_visible(visible_people(request.user), pk=pk)
    if person.phone:
        log_full_view(request.user, _("手机号"), subject=person, where=request.path)
    return _person_page(request, person, revealed=True)


def _person_page(request: HttpRequest, person: Person, *, revealed: bool) -> HttpResponse:
    posts = person.posts.select_related("org").order_by("-start_date")
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "phone": person.phone if revealed else mask(person.phone),
            "revealed": revealed,
            "posts": posts,
            "history": history_entries(person),
            "can_edit": request.user.has_perm("orgs.change_person", person),
        },
    )


@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    editable = scope(OrgUnit.objects.branches(), request.user)
    if request.user.role == "street_staff":
        editable = editable.exclude(pk=request.user.scope_org_id)
    person = None
    if pk is not None:
        person = get_visible(visible_people(request.user), pk=pk)
        if not request.user.has_perm("orgs.change_person", person):
            raise PermissionDenied
    elif not request.user.has_perm("orgs.manage_registry"):
        raise PermissionDenied
    initial = {}
    org_id = int_param(request, "org", label=_("所在组织"))
    if org_id is not None:
        initial["home_org"] = editable.filter(pk=org_id).first()
    form = PersonForm(request.POST or None, instance=person, orgs=editable, initial=initial)
    if request.method == "GET" and person is not None and person.phone:
        log_full_view(
            request.user, _("手机号"), subject=person, where=request.path
        )  # the form shows it in full
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_person(
                request.user,
                form.save(commit=False),
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
            return redirect("orgs:person", pk=saved.pk)
    title = _("编辑人员：%(name)s") % {"name": person.name} if person else _("新增人员")
    return render(request, "orgs/form.html", {"form": form, "title": title, "obj": person})


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, org_pk: int, pk: int | None = None) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=org_pk)
    if not request.user.has_perm("orgs.change_orgunit", org):
        raise PermissionDenied
    post = get_visible(visible_posts(request.user), pk=pk, org=org) if pk else Post(org=org)
    people_qs = Person.objects.filter(home_org=org)
    form = PostForm(
        request.POST or None,
        instance=post,
        people=people_qs,
        initial={"start_date": today()} if not pk else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_post(
                request.user,
                form.save(commit=False),
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("任职信息已保存。"))
            return redirect("orgs:detail", pk=org.pk)
    title = _("%(org)s：登记任职") % {"org": org.name}
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": title,
            "obj": org,
            "hint": _("人员须先登记在本组织；如无此人请先“新增人员”。"),
        },
    )


# --- dispatched units -------------------------------------------------------------------------------------

UNIT_EXPORT_COLUMNS = [
    Column("code", "单位编码"),
    Column("name", "单位名称", width=28),
    Column("contact", "联系人"),
    Column("phone", "联系电话"),
    Column("orgs", "分包组织数"),
]


@require_safe
def units(request: HttpRequest) -> HttpResponseBase:
    qs = queries.unit_list(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    if request.GET.get("format") == "xlsx":
        rows = ([u.code, u.name, u.contact, u.phone, u.org_count] for u in qs.iterator(chunk_size=2000))
        return workbook_response(
            [Sheet("区直单位", UNIT_EXPORT_COLUMNS, rows)], f"区直单位-{today():%Y%m%d}.xlsx"
        )
    page, qs_params = paginate(request, qs)
    return render(
        request,
        "orgs/units.html",
        {
            "page": page,
            "qs_params": qs_params,
            "q": q,
            "can_edit": request.user.has_perm("orgs.manage_units"),
        },
    )


@require_safe
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_visible(visible_units(request.user), pk=pk)
    orgs = queries.with_street_and_secretary(visible_orgs(request.user).filter(assigned_unit=unit)).order_by(
        "path"
    )
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "orgs": orgs,
            "history": history_entries(unit),
            "can_edit": request.user.has_perm("orgs.manage_units"),
        },
    )


@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    unit = get_visible(visible_units(request.user), pk=pk) if pk else None  # an unseen unit is missing
    if not request.user.has_perm("orgs.manage_units"):
        raise PermissionDenied
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_unit(
                request.user,
                form.save(commit=False),
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            _form_errors_to_form(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:unit", pk=saved.pk)
    return render(request, "orgs/form.html", {"form": form, "title": _("区直单位"), "obj": unit})


# --- Excel import -----------------------------------------------------------------------------------------

IMPORTS = {
    "orgs": (
        services.ORG_SHEET,
        services.ORG_COLUMNS,
        services.import_orgs,
        ["红旗路街道", "HQL-099", "示例社区党支部", "城市社区", "党支部", "36", ""],
    ),
    "people": (
        services.PERSON_SHEET,
        services.PERSON_COLUMNS,
        services.import_people,
        ["HQL-099", "张三", "男", "13800000000", "1980-05-01", "党组织书记", "2021-03-15", "", "否"],
    ),
}


# the columns that say which row is which stay in view: 所属街道/镇, 组织编码, 组织名称; 组织编码, 姓名
FROZEN_COLUMNS = {"orgs": 3, "people": 2}


@require_safe
def import_template(request: HttpRequest, kind: str) -> HttpResponseBase:
    if not request.user.has_perm("orgs.import"):
        raise PermissionDenied
    if kind not in IMPORTS:
        raise Http404
    title, columns, _func, example = IMPORTS[kind]
    return workbook_response(
        template_sheets(title, columns, example, frozen_columns=FROZEN_COLUMNS[kind]), f"{title}导入模板.xlsx"
    )


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("orgs.import"):
        raise PermissionDenied
    kind = request.POST.get("kind") or request.GET.get("kind") or "orgs"
    if kind not in IMPORTS:
        kind = "orgs"
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        title, _columns, func, _example = IMPORTS[kind]
        report = func(request.user, form.cleaned_data["file"])
        if report.ok:
            text = _("%(title)s导入成功：新增 %(c)s 条，更新 %(u)s 条。") % {
                "title": title,
                "c": report.created,
                "u": report.updated,
            }
            if report.unchanged:
                text += _("另有 %(n)s 条与系统中一致，未改动。") % {"n": report.unchanged}
            messages.success(request, text)
            return redirect(request.path + f"?kind={kind}")
    return render(
        request, "orgs/import.html", {"form": form, "report": report, "kind": kind, "imports": IMPORTS}
    )


@require_POST
def end_post_today(request: HttpRequest, org_pk: int, pk: int) -> HttpResponse:
    """End a post as of a date (default today)."""
    post = get_visible(visible_posts(request.user), pk=pk, org_id=org_pk)
    end = request.POST.get("end_date") or today().isoformat()
    try:
        services.end_post(
            request.user,
            post,
            parse_date(end),
            request.POST.get("reason", ""),
            expected_version=parse_version(request.POST.get("lock_version")),
        )
    except (ValidationError, ValueError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已登记离任。"))
    return redirect("orgs:detail", pk=org_pk)
