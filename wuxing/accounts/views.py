from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from wuxing.core.services import log_decision


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确（注意区分大小写）。连续输错 5 次将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系区委组织部。"),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_login_allowed"] = settings.WUXING_DEMO_LOGIN_ALLOWED
        return ctx


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        user = self.request.user
        if getattr(user, "must_change_password", False):
            user.must_change_password = False  # type: ignore[union-attr]
            user.save(update_fields=["must_change_password"])  # type: ignore[union-attr]
        log_decision(user, "password_change", user, comment="本人修改密码")  # type: ignore[arg-type]
        messages.success(self.request, _("密码已修改。"))
        return response
