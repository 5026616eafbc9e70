from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login, except the login page itself, static files and the API (which answers
    401 with its own authentication: session or token)."""

    open_prefixes = ("/api/", "/static/", "/i18n/")

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PasswordChangeRequiredMiddleware:
    """A user whose password was set by an administrator must choose their own before anything else:
    every page except the password page, logout and static files redirects there (the API answers 403)."""

    allowed_prefixes = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.allowed_prefixes)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": "请先登录网页修改初始密码"}, status=403)
            from django.shortcuts import redirect

            return redirect("accounts:password_change")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language with the switcher (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC with an
    English browser would show English; the platform's users read Chinese, so only an explicit choice
    changes the language.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


NUL_MESSAGE = "请求中含有不允许的空字符（NUL，%00），请删除后重试"


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, value in request.COOKIES.items():
        if "\x00" in key or "\x00" in value:
            return True
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # form fields; a JSON body is checked below
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
    return request.method not in ("GET", "HEAD") and _json_has_nul(request)


def _json_has_nul(request: HttpRequest) -> bool:
    """A JSON body (the API's writes) with a NUL in any key or string ("\\u0000" once decoded)."""
    if request.content_type != "application/json":
        return False
    body = request.body
    if b"\\u0000" not in body and b"\x00" not in body:  # the usual case: nothing to decode
        return False
    import json

    try:
        stack: list[Any] = [json.loads(body)]
    except (ValueError, RecursionError):  # not JSON (the API answers that); a raw NUL is refused anyway
        return b"\x00" in body
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class RefuseNulMiddleware:
    """A request with a NUL character (U+0000) anywhere a view could read text — path, query string,
    form fields, a JSON body, cookies — is answered 400 before any view or database sees it (Django
    already drops unprintable characters from uploaded file names).

    PostgreSQL refuses NUL in text, so such a value reaching a query or a save would end in a 500 (on
    SQLite it would be stored silently). No legitimate input contains one. Under /api/ the answer is
    JSON ({"detail": …}); elsewhere a short Chinese page.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if _has_nul(request):
            return bad_request(request, NUL_MESSAGE)
        return self.get_response(request)


def bad_request(request: HttpRequest, message: str) -> Any:
    """400 with a Chinese message: JSON under /api/, otherwise the standalone 400 page."""
    from django.http import HttpResponseBadRequest, JsonResponse
    from django.template.loader import render_to_string

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))


API_ERROR_MESSAGES = {
    400: "请求无效，请检查参数",
    403: "您没有权限执行此操作",
    404: "未找到：接口路径不存在，或路径中的 ID 格式不正确（应为整数）",
    405: "该接口不支持此请求方法",
    500: "服务器处理请求时出错，请稍后重试",
}


class ApiErrorsAsJsonMiddleware:
    """Every error answer under /api/ is JSON with a Chinese ``detail``.

    django-ninja answers its own errors in JSON, but some answers never reach it: a path that matches no
    endpoint (``/api/v1/orgs/abc``: the id is not an integer), a method an endpoint does not support,
    a 500 page. Those come back from Django as HTML (or empty); this replaces their body, keeping the
    status and headers such as ``Allow``.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            import json

            status = response.status_code
            message = API_ERROR_MESSAGES.get(status) or API_ERROR_MESSAGES[500 if status >= 500 else 400]
            response.content = json.dumps({"detail": message}, ensure_ascii=False).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
        return response
