"""The API root: mounts each app's router under /api/v1/.

Authentication: the browser session (unsafe methods need the CSRF token) or `Authorization: Bearer <token>`
with a personal token from /accounts/tokens/. Every endpoint reads through wuxing.core.scoping, so a token
sees exactly what its owner sees; an object outside the caller's scope answers 404, like a missing one.

The docs page (/api/v1/docs) serves Swagger UI from django-ninja's own static files (`ninja` is in
INSTALLED_APPS), never from a CDN; the validator badge, which would call validator.swagger.io, is off.
"""

from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from wuxing.api.auth import API_AUTH

DESCRIPTION = """五星支部创建管理平台 API。

**认证**：浏览器中已登录时直接使用会话（修改类请求须带 CSRF 令牌）；脚本请在“API 令牌”页面创建个人令牌，
并在请求头中加上 `Authorization: Bearer <令牌>`。令牌的权限范围与其所属账号完全相同。

**范围**：所有数据都按调用者的权限范围过滤；超出范围的对象与不存在的对象一样返回 404。

**分页**：列表接口使用页码分页：参数 `page`（从 1 开始，最大 100000）和 `page_size`
（默认 50，最大 100），返回 `{"items": [...], "count": 总条数}`；超过最后一页时 `items` 为空列表。

**错误**：所有错误都以 JSON 返回，`detail` 为中文说明。参数无效（如页码超出范围、年度不在
1900–2100 之间）返回 422；路径不存在或路径中的 ID 不是整数返回 404；请求中含空字符（NUL）返回 400。
"""

api = NinjaAPI(
    title="wuxing API",
    version="1.0.0",
    description=DESCRIPTION,
    auth=API_AUTH,
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_decorator=require_safe,  # the schema and the docs page answer GET only
)

UNAUTHORIZED = "未登录或令牌无效：请先登录，或在请求头中提供有效的 Authorization: Bearer <令牌>"
NOT_FOUND = "未找到该对象（不存在，或不在您的权限范围内）"
HTTP_MESSAGES = {
    "CSRF check Failed": "CSRF 校验失败：请刷新页面后重试",
    "Forbidden": "您没有权限执行此操作",
    "Too many requests.": "请求过于频繁，请稍后再试",
    "Cannot parse request body": "请求内容不是有效的 JSON，无法解析",
}


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORIZED}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="wuxing"'
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


def _invalid_text(error: dict[str, Any]) -> str:
    from wuxing.rules.schema import error_message

    loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body", "filters")]
    return f"{'.'.join(loc) or '参数'}：{error_message(error)}"


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Invalid parameters: 422 with every problem in Chinese ("参数无效：page：不能大于 100000")."""
    problems = [_invalid_text(error) for error in exc.errors]
    return api.create_response(request, {"detail": "参数无效：" + "；".join(problems)}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    return api.create_response(
        request, {"detail": HTTP_MESSAGES.get(message, message)}, status=exc.status_code
    )


# --- who am I ------------------------------------------------------------------------------------------

RoleName = Literal["district_admin", "street_staff", "secretary", "unit", "leader"]


class ScopeOut(Schema):
    kind: Literal["district", "street", "branch", "unit", "none"] = Field(
        ..., description="范围类型：district 全区，street 街道/镇，branch 村/社区党组织，unit 区直单位"
    )
    code: str | None = Field(None, description="组织或单位编码（全区时为空）")
    name: str = Field(..., description="范围名称")


class MeOut(Schema):
    username: str = Field(..., description="用户名")
    full_name: str = Field(..., description="姓名")
    role: RoleName = Field(..., description="角色")
    role_label: str = Field(..., description="角色名称")
    scope: ScopeOut = Field(..., description="权限范围")
    is_demo: bool = Field(..., description="是否演示账号")


def scope_of(user: Any) -> ScopeOut:
    from wuxing.core.scoping import sees_whole_district

    if sees_whole_district(user):
        return ScopeOut(kind="district", code=None, name="全区")
    if user.role == "street_staff" and user.scope_org_id:
        return ScopeOut(kind="street", code=user.scope_org.code, name=user.scope_org.name)
    if user.role == "secretary" and user.scope_org_id:
        return ScopeOut(kind="branch", code=user.scope_org.code, name=user.scope_org.name)
    if user.role == "unit" and user.unit_id:
        return ScopeOut(kind="unit", code=user.unit.code, name=user.unit.name)
    return ScopeOut(kind="none", code=None, name="无")


@api.get("/me", response=MeOut, tags=["账号"], summary="当前账号", description="调用者的账号、角色和权限范围")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.auth  # type: ignore[attr-defined]
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        role_label=str(user.get_role_display()),
        scope=scope_of(user),
        is_demo=user.is_demo,
    )


api.add_router("/orgs", "wuxing.orgs.api.router", tags=["组织"])
api.add_router("/streets", "wuxing.orgs.api.streets_router", tags=["组织"])
api.add_router("/ratings", "wuxing.rules.api.router", tags=["星级评定"])
api.add_router("/rulebooks", "wuxing.rules.api.rulebooks_router", tags=["星级细则"])
api.add_router("/scores", "wuxing.rules.api.scores_router", tags=["指标填报"])
api.add_router("/reviews", "wuxing.reviews.api.router", tags=["年度评星"])
api.add_router("/entitlements", "wuxing.funds.api.router", tags=["投入保障与奖励"])
api.add_router("/claims", "wuxing.funds.api.claims_router", tags=["投入保障与奖励"])
api.add_router("/boards", "wuxing.boards.api.router", tags=["补齐短板"])
api.add_router("/members", "wuxing.members.api.router", tags=["发展党员"])
api.add_router("/goals", "wuxing.competition.api.router", tags=["动态竞争与目标"])
api.add_router("/competition", "wuxing.competition.api.competition_router", tags=["动态竞争与目标"])
api.add_router("/holidays", "wuxing.core.api.router", tags=["节假日安排"])
