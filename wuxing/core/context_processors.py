"""The menu: every page a role can reach, in one place."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (url name, label, permission or None, roles or None, group or None); labels are marked with gettext_noop so
# that makemessages extracts them, and translated per request in menu() below. Entries of a group share one
# drop-down (a group the user sees one entry of shows that entry alone); the groups keep this order.
MENU: list[tuple[str, str, str | None, set[str] | None, str | None]] = [
    ("dashboard:home", gettext_noop("首页"), None, None, None),
    ("orgs:tree", gettext_noop("组织架构"), None, None, gettext_noop("组织")),
    ("orgs:list", gettext_noop("组织列表"), None, None, gettext_noop("组织")),
    ("orgs:people", gettext_noop("人员任职"), None, None, gettext_noop("组织")),
    ("orgs:units", gettext_noop("区直单位"), None, None, gettext_noop("组织")),
    ("orgs:import", gettext_noop("Excel 导入"), "orgs.import", None, gettext_noop("组织")),
    ("starrules:ratings", gettext_noop("星级评定"), None, None, gettext_noop("评星")),
    ("starrules:scores", gettext_noop("指标得分"), "starrules.enter_scores", None, gettext_noop("评星")),
    ("starrules:rulebooks", gettext_noop("星级细则"), None, None, gettext_noop("评星")),
    ("reviews:cycles", gettext_noop("年度评星"), None, None, gettext_noop("评星")),
    ("boards:tasks", gettext_noop("补齐短板"), None, None, gettext_noop("推进")),
    ("boards:units", gettext_noop("区直单位分包"), None, None, gettext_noop("推进")),
    ("boards:trainings", gettext_noop("学习培训"), None, None, gettext_noop("推进")),
    ("boards:groups", gettext_noop("一星一专班"), None, None, gettext_noop("推进")),
    ("funds:entitlements", gettext_noop("投入保障与奖励"), None, None, gettext_noop("保障")),
    ("competition:index", gettext_noop("动态竞争与目标"), None, None, gettext_noop("推进")),
    ("members:register", gettext_noop("发展党员"), None, None, None),
    ("accounts:users", gettext_noop("账号管理"), "accounts.manage", None, gettext_noop("管理")),
    (
        "core:holidays",
        gettext_noop("节假日安排"),
        None,
        {"district_admin", "leader", "street_staff"},
        gettext_noop("管理"),
    ),
    (
        "core:privacy_log",
        gettext_noop("个人信息查看记录"),
        "core.read_privacy_log",
        None,
        gettext_noop("管理"),
    ),
    # API 令牌 and API 文档 are in the user menu (base.html, next to the account's name)
]


def menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    if user is not None and user.is_authenticated:
        for name, label, perm, roles, group in MENU:
            if perm and not user.has_perm(perm):
                continue
            if roles and user.role not in roles:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"url": url, "label": _(label), "active": False, "group": group})
        # the one entry whose URL is the longest prefix of this page is the current one
        matches = [
            i
            for i in items
            if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
        ]
        if matches:
            max(matches, key=lambda i: len(i["url"]))["active"] = True
    # Not "site_name": Django's auth views (LoginView …) put the request's host:port under that name, and a
    # view's context wins over a context processor's — the login page was titled "127.0.0.1:8000".
    return {
        "menu_items": items,
        "menu_groups": _groups(items),
        "product_name": settings.WUXING_SITE_NAME,
        "calendar_notice": calendar_notice(user),
    }


def _groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The menu as the top bar shows it: an entry without a group, or a group's entries under its name."""
    out: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    for item in items:
        group = item["group"]
        if group is None:
            out.append({"label": None, "items": [item], "active": item["active"]})
            continue
        entry = by_name.get(group)
        if entry is None:
            entry = by_name[group] = {"label": _(group), "items": [], "active": False}
            out.append(entry)
        entry["items"].append(item)
        entry["active"] = entry["active"] or item["active"]
    for entry in out:  # a group with one entry for this user is that entry alone
        if entry["label"] is not None and len(entry["items"]) == 1:
            entry["label"] = None
    return out


# The State Council publishes the next year's schedule in October or November.
NOTICE_FROM_MONTH = 11


def calendar_notice(user: Any) -> dict[str, Any] | None:
    """For the district admin: the first year (this one, or the next from November) whose official holiday
    schedule is neither in the package nor entered — working days of that year cannot be computed."""
    if user is None or not user.is_authenticated or not user.has_perm("core.manage_holidays"):
        return None
    from wuxing.core.models import HolidayYear
    from wuxing.core.workdays import package_covers, today

    now = today()
    years = [now.year, now.year + 1] if now.month >= NOTICE_FROM_MONTH else [now.year]
    wanted = [y for y in years if not package_covers(y)]
    if not wanted:
        return None
    entered = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    for year in wanted:
        if year not in entered:
            return {"year": year, "url": reverse("core:holiday_edit", kwargs={"year": year})}
    return None
