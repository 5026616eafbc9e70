"""The organisation registry in a real browser: tree, profile, list, scoping and the phone layout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from wuxing.e2e.tests.conftest import menu_link

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"
TREE_SCREENSHOT = "/tmp/wuxing-tree.png"


def _main_menu(page: Any) -> Any:
    return page.get_by_role("navigation", name="主菜单")


def _tree_streets(page: Any) -> list[str]:
    return page.locator("#org-tree details[data-street]").evaluate_all(
        "els => els.map(e => e.dataset.street)"
    )


def _current_secretary(org_name: str) -> str:
    from wuxing.orgs.models import Post, PostRole

    post = Post.objects.select_related("person").get(
        org__name=org_name, role=PostRole.SECRETARY, end_date__isnull=True
    )
    return post.person.name


def _org_pk(name: str) -> int:
    from wuxing.orgs.models import OrgUnit

    return OrgUnit.objects.get(name=name).pk


def test_admin_walks_the_demo_tree_to_a_village_profile_and_the_list(page, login, demo):
    from wuxing.demo import beiguan

    secretary = _current_secretary("后万金村")

    response = login(page, "admin", DEMO_PASSWORD)
    assert response.ok
    expect(page).to_have_url(re.compile(r"/$"))

    menu_link(page, "组织架构").click()
    expect(page).to_have_url(re.compile(r"/orgs/tree/$"))
    expect(page.get_by_role("heading", name="组织架构")).to_be_visible()
    expect(page.locator("main")).to_contain_text("10 个街道/镇，112 个村/社区党组织")
    assert sorted(_tree_streets(page)) == sorted(name for _code, name, *_rest in beiguan.STREETS)

    town = page.locator('#org-tree details[data-street="柏庄镇"]')
    village = town.get_by_role("link", name="后万金村", exact=True)
    expect(village).to_be_hidden()  # collapsed until the town is opened
    town.locator("summary strong").click()
    expect(town).to_have_attribute("open", "")
    expect(village).to_be_visible()
    expect(town).to_contain_text(f"书记：{secretary}")
    page.screenshot(path=TREE_SCREENSHOT, full_page=True)

    village.click()
    expect(page).to_have_url(re.compile(rf"/orgs/{_org_pk('后万金村')}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("后万金村")
    expect(page.locator("main")).to_contain_text("柏庄镇 › 后万金村")
    secretary_row = page.locator(
        "#current-posts tr", has=page.get_by_role("cell", name="党组织书记", exact=True)
    )
    expect(secretary_row).to_contain_text(secretary)

    menu_link(page, "组织列表").click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.locator(".pagination")).to_contain_text("共 112 条")
    expect(page.locator("#org-rows tbody tr")).to_have_count(50)


def test_street_user_sees_only_own_street_and_gets_404_elsewhere(page, login, demo):

    login(page, "jd_jfl", DEMO_PASSWORD)
    menu_link(page, "组织架构").click()
    expect(page).to_have_url(re.compile(r"/orgs/tree/$"))
    assert _tree_streets(page) == ["解放路街道"]
    expect(page.locator("#org-tree")).not_to_contain_text("柏庄镇")

    own_branch = page.locator('#org-tree details[data-street="解放路街道"] li a').first
    expect(own_branch).to_be_visible()  # a single street is shown open
    own_name = own_branch.inner_text()
    own_branch.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own_name)

    for name in ("后万金村", "柏庄镇"):  # another town's village, and the town itself
        response = page.goto(f"/orgs/{_org_pk(name)}/")
        assert response is not None and response.status == 404, (name, response and response.status)
        expect(page.locator("body")).not_to_contain_text(name)

    page.goto("/orgs/")
    expect(page.locator(".pagination")).to_contain_text("共 6 条")


def test_phone_menu_button_opens_the_menu(new_page, login, world):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, "admin", "pw-admin-1")

    menu = _main_menu(page)
    button = page.get_by_text("☰ 菜单")
    expect(button).to_be_visible()
    expect(menu).to_be_hidden()
    button.tap()
    expect(menu).to_be_visible()
    link = menu.get_by_role("link", name="组织列表", exact=True)
    expect(link).to_be_visible()
    link.tap()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.locator(".pagination")).to_contain_text("共 3 条")
    expect(page.get_by_role("link", name="后万金村")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    expect(menu).to_be_hidden()  # the menu starts closed again on the next page


def test_a_large_tree_loads_a_street_with_its_star_badges_when_opened(page, login, demo, monkeypatch):
    """Past the inline limit the tree sends streets only; opening one fetches its organisations."""
    from wuxing.orgs import queries
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()  # the shipped rulebooks and the demo's values: every organisation has a level
    monkeypatch.setattr(queries, "TREE_INLINE_LIMIT", 10)
    login(page, "admin", DEMO_PASSWORD)
    page.goto("/orgs/tree/")
    town = page.locator('#org-tree details[data-street="柏庄镇"]')
    expect(page.locator("#org-tree")).not_to_contain_text("后万金村")  # not sent with the page
    town.locator("summary strong").click()
    village = town.get_by_role("link", name="后万金村", exact=True)
    expect(village).to_be_visible()
    expect(town.locator("li", has_text="后万金村").locator(".stars-badge")).to_contain_text("星")  # its badge
    village.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("后万金村")
    expect(page.locator("#star-levels")).to_contain_text("实时评定")


def test_grouped_menu_opens_on_hover_and_on_keyboard_focus(page, login, world):
    login(page, "admin", "pw-admin-1")
    menu = _main_menu(page)
    group = menu.locator(".menu-group").filter(has_text="组织 ▾")
    tree = group.get_by_role("link", name="组织架构", exact=True)
    expect(tree).to_be_hidden()  # closed until opened
    group.locator(".menu-group-label").hover()
    expect(tree).to_be_visible()
    expect(group.get_by_role("link", name="Excel 导入", exact=True)).to_be_visible()
    page.mouse.move(5, 600)
    expect(tree).to_be_hidden()
    group.locator(".menu-group-label").focus()  # a keyboard user tabs to the group
    expect(tree).to_be_visible()
    page.keyboard.press("Tab")  # on to its first entry, still open
    expect(tree).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orgs/tree/$"))
    expect(menu.locator(".menu-group.active .menu-group-label")).to_have_text("组织 ▾")
