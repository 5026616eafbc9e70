"""Login, own password, account management (district) and personal API tokens. Thin: reads through
queries (scoped), writes through services."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.accounts import queries, services
from wuxing.accounts.forms import (
    ReasonForm,
    SecretaryFilterForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from wuxing.core.excel import XLSX_MIME, Column, Sheet, workbook_response
from wuxing.core.history import history_entries
from wuxing.core.scoping import get_visible
from wuxing.core.services import log_decision
from wuxing.core.views import paginate, plain_int
from wuxing.core.workdays import today
from wuxing.orgs.queries import visible_streets


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确（注意区分大小写）。连续输错 5 次将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系区委组织部。"),
    }


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    http_method_names = ["get", "post", "head", "options"]  # FormView would take PUT as a POST
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Django's LoginView sends a logged-in user on before it looks at the method.
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_login_allowed"] = settings.WUXING_DEMO_LOGIN_ALLOWED
        return ctx


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/"
    http_method_names = ["get", "post", "head", "options"]  # FormView would take PUT as a POST

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        user: Any = self.request.user
        if getattr(user, "must_change_password", False):
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        log_decision(user, "password_change", user, comment="本人修改密码")
        messages.success(self.request, _("密码已修改。"))
        return response


# --- helpers -------------------------------------------------------------------------------------------


def _require_manage(request: HttpRequest) -> None:
    if not request.user.has_perm("accounts.manage"):
        raise PermissionDenied


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages that show a password or a token once must never be cached (nor shown again from history)."""
    add_never_cache_headers(response)
    return response


def _naive(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _data_url(content: bytes) -> str:
    return f"data:{XLSX_MIME};base64,{base64.b64encode(content).decode()}"


# --- account list --------------------------------------------------------------------------------------

USER_EXPORT_COLUMNS = [
    Column("username", "用户名"),
    Column("full_name", "姓名"),
    Column("role", "角色", width=18),
    Column("street", "街道/镇"),
    Column("scope", "负责范围", width=24),
    Column("status", "状态", width=8),
    Column("must_change", "须修改密码", width=10),
    Column("last_login", "最近登录", width=18),
    Column("joined", "创建时间", width=18),
    Column("demo", "演示账号", width=10),
]


@require_safe
def users(request: HttpRequest) -> HttpResponseBase:
    _require_manage(request)
    form = UserFilterForm(request.GET or None)
    params: dict[str, Any] = {}
    if form.is_valid():
        params.update(form.cleaned_data)
    qs = queries.user_list(request.user, params)
    if request.GET.get("format") == "xlsx":
        rows = (
            [
                u.username,
                u.full_name,
                u.get_role_display(),
                u.street_name or "",  # type: ignore[attr-defined]
                (u.scope_org.name if u.scope_org else (u.unit.name if u.unit else "全区")),
                "启用" if u.is_active else "停用",
                "是" if u.must_change_password else "",
                _naive(u.last_login),
                _naive(u.date_joined),
                "是" if u.is_demo else "",
            ]
            for u in qs.iterator(chunk_size=2000)
        )
        return workbook_response(
            [Sheet("账号列表", USER_EXPORT_COLUMNS, rows)], f"账号列表-{today():%Y%m%d}.xlsx"
        )
    page, qs_params = paginate(request, qs)
    return render(request, "accounts/users.html", {"form": form, "page": page, "qs_params": qs_params})


# --- one account ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.create_user(
                request.user,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                scope_org=data["scope_org"],
                unit=data["unit"],
                password=data["password1"] or None,
                reason=data["reason"],
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            return _no_store(
                render(
                    request,
                    "accounts/password_once.html",
                    {
                        "title": gettext("已新建账号"),
                        "account": account.user,
                        "password": account.password,
                        "generated": not data["password1"],
                    },
                )
            )
    return render(request, "accounts/user_form.html", {"form": form, "title": gettext("新建账号")})


@require_safe
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_visible(queries.visible_users(request.user), pk=pk)
    decisions = list(queries.user_decisions(account))
    for entry in decisions:
        entry.action_label = queries.ACTION_LABELS.get(entry.action, entry.action)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "decisions": decisions,
            "history": history_entries(account),
            "tokens": queries.tokens_of(account),
            "is_self": account.pk == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_visible(queries.visible_users(request.user), pk=pk)
    form = UserEditForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                request.user,
                account,
                full_name=data["full_name"],
                role=data["role"],
                scope_org=data["scope_org"],
                unit=data["unit"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            account.refresh_from_db()
            form.apply_service_errors(exc)
        else:
            messages.success(request, gettext("已保存。"))
            return redirect("accounts:user", pk=account.pk)
    title = gettext("编辑账号：%(name)s") % {"name": account.username}
    return render(request, "accounts/user_form.html", {"form": form, "title": title, "account": account})


def _reason_action(
    request: HttpRequest,
    pk: int,
    *,
    title: str,
    hint: str,
    button: str,
    action: Any,
    success: str,
) -> HttpResponse:
    account = get_visible(queries.visible_users(request.user), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(request.user, account, form.cleaned_data["reason"])
        except ValidationError as exc:
            account.refresh_from_db()
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, success % {"name": account.username})
            return redirect("accounts:user", pk=account.pk)
    return render(
        request,
        "accounts/user_action.html",
        {
            "form": form,
            "account": account,
            "title": title % {"name": account.username},
            "hint": hint,
            "button": button,
        },
    )


@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_action(
        request,
        pk,
        title=gettext("停用账号：%(name)s"),
        hint=gettext("停用后该账号不能登录，已登录的会话立即失效，其 API 令牌全部作废。可随时恢复。"),
        button=gettext("确认停用"),
        action=services.deactivate_user,
        success=gettext("已停用账号 %(name)s。"),
    )


@require_http_methods(["GET", "POST"])
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _reason_action(
        request,
        pk,
        title=gettext("恢复账号：%(name)s"),
        hint=gettext("恢复后该账号可以重新登录（原有 API 令牌不会恢复）。"),
        button=gettext("确认恢复"),
        action=services.reactivate_user,
        success=gettext("已恢复账号 %(name)s。"),
    )


@require_http_methods(["GET", "POST"])
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_visible(queries.visible_users(request.user), pk=pk)
    form = ReasonForm(request.POST or None, required=False)
    if request.method == "POST" and form.is_valid():
        password = services.reset_password(request.user, account, form.cleaned_data["reason"])
        return _no_store(
            render(
                request,
                "accounts/password_once.html",
                {"title": gettext("已重置密码"), "account": account, "password": password, "generated": True},
            )
        )
    return render(
        request,
        "accounts/user_action.html",
        {
            "form": form,
            "account": account,
            "title": gettext("重置密码：%(name)s") % {"name": account.username},
            "hint": gettext(
                "将生成新的随机密码（只显示一次），该账号下次登录时须修改密码；登录锁定同时解除。"
            ),
            "button": gettext("确认重置"),
        },
    )


# --- accounts for the secretaries in the registry ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def secretary_accounts(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    streets = visible_streets(request.user)
    source = request.POST if request.method == "POST" else request.GET
    filter_form = SecretaryFilterForm(source or None, streets=streets)
    street = filter_form.cleaned_data.get("street") if filter_form.is_valid() else None
    candidates = queries.secretary_candidates(request.user, street)
    errors: list[str] = []
    if request.method == "POST":
        selected = [n for n in (plain_int(v) for v in request.POST.getlist("orgs")) if n is not None]
        if not selected:
            errors.append(gettext("请至少选择一个组织。"))
        else:
            try:
                created = services.create_secretary_accounts(
                    request.user, selected, street=street, limit=services.WEB_BATCH_LIMIT
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                return _secretary_accounts_done(request, created)
    return render(
        request,
        "accounts/secretary_accounts.html",
        {
            "filter_form": filter_form,
            "candidates": candidates,
            "errors": errors,
            "limit": services.WEB_BATCH_LIMIT,
        },
    )


def _secretary_accounts_done(request: HttpRequest, created: list[services.NewAccount]) -> HttpResponse:
    """The only moment the passwords exist in plain text: this page, and the Excel file embedded in it."""
    content = services.secretary_accounts_workbook(created)
    response = render(
        request,
        "accounts/secretary_accounts_done.html",
        {
            "created": created,
            "count": len(created),
            "xlsx_url": _data_url(content) if created else "",
            "filename": f"书记账号-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        },
    )
    return _no_store(response)


# --- personal API tokens -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    ctx: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            ctx.update({"new_token": token, "raw": raw, "form": TokenForm()})
    ctx["tokens"] = queries.tokens_of(request.user)
    response = render(request, "accounts/tokens.html", ctx)
    return _no_store(response) if "raw" in ctx else response


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_visible(queries.tokens_of(request.user).select_related("user"), pk=pk)
    try:
        services.revoke_token(request.user, token)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("已作废令牌 %(prefix)s…") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


@require_POST
def user_token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    """The district revokes one of an account's tokens from the account page."""
    account = get_visible(queries.visible_users(request.user), pk=pk)
    token = get_visible(queries.tokens_of(account).select_related("user"), pk=token_pk)
    try:
        services.revoke_token(request.user, token, gettext("由管理员作废"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("已作废令牌 %(prefix)s…") % {"prefix": token.prefix})
    return redirect("accounts:user", pk=account.pk)
