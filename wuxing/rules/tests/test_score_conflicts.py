"""No value is silently overwritten; the rulebook says who enters what; evidence belongs to its uploader."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.management.base import system_user
from wuxing.rules import services
from wuxing.rules.models import Evidence, Score
from wuxing.rules.tests.helpers import YEAR, score_form_data, text_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def stored(org: Any) -> dict[str, Decimal]:
    return dict(Score.objects.filter(org=org, year=YEAR).values_list("indicator_code", "value"))


# --- stale forms -------------------------------------------------------------------------------------------


def test_two_stale_forms_changing_different_values_keep_both(world, rulebooks, client_for):
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    street, secretary = client_for("street_a"), None
    from django.test import Client

    secretary = Client()
    secretary.force_login(world.users["secretary_a"])
    a = score_form_data(secretary, url, {"cyxw.income": "25"})  # both pages opened on empty values
    b = score_form_data(street, url, {"zbgy.secretary": "12"})
    assert secretary.post(url, a).status_code == 302
    assert street.post(url, b).status_code == 302  # does not clear the secretary's 25
    assert stored(world.village_a) == {"cyxw.income": Decimal(25), "zbgy.secretary": Decimal(12)}


def test_a_stale_form_changing_the_same_value_is_refused_and_shows_the_other_change(
    world, rulebooks, client_for
):
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    from django.test import Client

    first = Client()
    first.force_login(world.users["secretary_a"])
    second = client_for("street_a")
    a = score_form_data(first, url, {"cyxw.income": "25"})
    b = score_form_data(second, url, {"cyxw.income": "19", "stjy.toilets": "85"})
    assert first.post(url, a).status_code == 302
    response = second.post(url, b)
    assert response.status_code == 200
    text = text_of(response)
    assert "有 1 项指标在您打开页面后已被他人修改，本次没有保存任何内容" in text
    assert "村集体经济收入：已被他人修改（secretary_a于" in text
    assert "改为 25，您打开页面时为 未填报" in text
    assert stored(world.village_a) == {"cyxw.income": Decimal(25)}  # nothing of the refused save
    # saving the same page again is deliberate: it now carries the current value as "was shown"
    again = response.context["form"].data
    assert again["o_cyxw.income"] == "25"
    assert second.post(url, again).status_code == 302
    assert stored(world.village_a) == {"cyxw.income": Decimal(19), "stjy.toilets": Decimal(85)}


def test_a_score_page_without_its_shown_values_is_refused(world, rulebooks, save, client_for):
    save(world.village_a, {"cyxw.income": "25"})
    client = client_for("street_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    response = client.post(url, {"v_cyxw.income": "", "v_stjy.toilets": "85"})
    assert "页面已过期，请刷新页面后重新填报" in text_of(response)
    assert stored(world.village_a) == {"cyxw.income": Decimal(25)}


def test_service_expected_values_refuse_a_changed_value(world, rulebooks, save):
    save(world.village_a, {"cyxw.income": "25"})
    admin = world.users["admin"]
    with pytest.raises(services.ScoreConflict) as caught:
        services.save_scores(
            admin, world.village_a, YEAR, {"cyxw.income": "30"}, expected={"cyxw.income": "20"}
        )
    assert caught.value.current == {"cyxw.income": "25"}
    # what the editor saw matches: saved
    services.save_scores(admin, world.village_a, YEAR, {"cyxw.income": "30"}, expected={"cyxw.income": "25"})
    # untouched (new value == shown) is left alone even though the stored value differs
    services.save_scores(admin, world.village_a, YEAR, {"cyxw.income": "20"}, expected={"cyxw.income": "20"})
    assert stored(world.village_a) == {"cyxw.income": Decimal(30)}


# --- who enters what (the rulebook's entered_by) -------------------------------------------------------------


def test_the_shipped_rulebook_lets_the_street_score_the_scale_items(rulebooks):
    book = rulebooks["rural"].rulebook
    entered = {ind.code: ind.entered_by for _s, ind in book.iter_indicators()}
    assert entered["zbgy.secretary"] == "street" and entered["cyxw.income"] == "secretary"
    assert all((ind.entered_by == "street") == (ind.form == "scale") for _s, ind in book.iter_indicators())


def test_a_secretary_cannot_change_what_the_street_scores(world, rulebooks, save):
    save(world.village_a, {"zbgy.secretary": "12"}, world.users["street_a"])
    secretary = world.users["secretary_a"]
    with pytest.raises(ValidationError, match="村党组织书记履职尽责：该指标由街道（镇）专班评定，您不能修改"):
        save(world.village_a, {"zbgy.secretary": "15", "cyxw.income": "25"}, secretary)
    assert stored(world.village_a) == {"zbgy.secretary": Decimal(12)}
    with pytest.raises(ValidationError):  # clearing it is a change too
        save(world.village_a, {"zbgy.secretary": ""}, secretary)
    # the same value (e.g. re-importing the exported sheet) is no change, and its own items save
    assert save(world.village_a, {"zbgy.secretary": "12", "cyxw.income": "25"}, secretary)["created"] == 1
    # the district may correct the street's score
    save(world.village_a, {"zbgy.secretary": "13"}, world.users["admin"])
    assert stored(world.village_a)["zbgy.secretary"] == Decimal(13)


def test_the_score_form_shows_street_items_read_only_to_a_secretary(world, rulebooks, save, client_for):
    save(world.village_a, {"zbgy.secretary": "12"}, world.users["street_a"])
    client = client_for("secretary_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    response = client.get(url)
    field = response.context["form"].fields["v_zbgy.secretary"]
    assert field.disabled and "街道（镇）专班评定，您只能查看" in field.help_text
    # a hand-made POST of the disabled field cannot change it: Django keeps the shown value
    data = score_form_data(client, url, {"cyxw.income": "25"})
    data["v_zbgy.secretary"] = "15"
    data["o_zbgy.secretary"] = "12"
    assert client.post(url, data).status_code == 302
    assert stored(world.village_a) == {"zbgy.secretary": Decimal(12), "cyxw.income": Decimal(25)}
    assert not client_for("street_a").get(url).context["form"].fields["v_zbgy.secretary"].disabled


def test_the_score_import_refuses_a_secretarys_change_to_a_street_item(world, rulebooks, save, client_for):
    from wuxing.core.tests.xlsxutil import import_errors, upload, xlsx_bytes

    save(world.village_a, {"zbgy.secretary": "12"}, world.users["street_a"])
    columns = services.score_columns(rulebooks["rural"].rulebook)
    headers = [c.header for c in columns]
    row = [world.village_a.code, world.village_a.name] + [None] * (len(headers) - 2)
    row[headers.index(next(c.header for c in columns if c.key == "zbgy.secretary"))] = 15
    client = client_for("secretary_a")
    response = client.post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(xlsx_bytes(headers, [row]))}
    )
    col = headers.index(next(c.header for c in columns if c.key == "zbgy.secretary")) + 1
    assert (
        f"第2行 第{col}列（村党组织书记履职尽责 [zbgy.secretary]）：村党组织书记履职尽责：该指标由街道（镇）专班评定，您不能修改"
        in import_errors(response)
    )
    assert stored(world.village_a) == {"zbgy.secretary": Decimal(12)}


# --- evidence belongs to its uploader (and the reviewers above) ---------------------------------------------


def upload_as(user: Any, score: Score, name: str = "照片.png") -> Evidence:
    # a distinct file per name: the same content is attached to one value only once
    return services.add_evidence(user, score, SimpleUploadedFile(name, PNG + name.encode(), "image/png"))


def test_evidence_is_deleted_only_by_its_uploader_or_a_reviewer_above(world, rulebooks, save, client_for):
    save(world.village_a, {"cyxw.income": "25"})
    score = Score.objects.get(org=world.village_a, indicator_code="cyxw.income")
    by_street = upload_as(world.users["street_a"], score, "街道核查.png")
    by_secretary = upload_as(world.users["secretary_a"], score, "自评.png")
    by_system = upload_as(system_user(), score, "批量.png")
    secretary, street = world.users["secretary_a"], world.users["street_a"]

    def allowed(user: Any, ev: Evidence) -> bool:
        return services.may_delete_evidence(
            user, Evidence.objects.select_related("score__org", "uploaded_by").get(pk=ev.pk)
        )

    assert (
        allowed(secretary, by_secretary),
        allowed(secretary, by_street),
        allowed(secretary, by_system),
    ) == (True, False, False)
    assert (allowed(street, by_secretary), allowed(street, by_street), allowed(street, by_system)) == (
        True,
        True,
        False,
    )
    assert all(allowed(world.users["admin"], ev) for ev in (by_street, by_secretary, by_system))
    assert not allowed(world.users["street_b"], by_secretary)

    base = f"/stars/orgs/{world.village_a.pk}/evidence/{by_street.pk}/delete/"
    assert client_for("secretary_a").post(base, {"reason": "x"}).status_code == 403
    assert Evidence.objects.filter(pk=by_street.pk).exists()
    page = (
        client_for("secretary_a")
        .get(f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}")
        .content.decode()
    )
    assert f'form="del-ev-{by_secretary.pk}"' in page and f'form="del-ev-{by_street.pk}"' not in page
    with pytest.raises(PermissionDenied):
        services.delete_evidence(secretary, Evidence.objects.get(pk=by_street.pk))
    # clearing the value would delete the street's file: refused, nothing changes
    with pytest.raises(ValidationError, match=r"有他人上传的佐证材料（.*），您无权删除"):
        save(world.village_a, {"cyxw.income": ""}, secretary)
    assert Evidence.objects.filter(score=score).count() == 3
    response = client_for("street_a").post(
        f"/stars/orgs/{world.village_a.pk}/evidence/{by_secretary.pk}/delete/", {"reason": "重复"}
    )
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=by_secretary.pk).exists()


# --- the API -----------------------------------------------------------------------------------------------


def test_api_reads_and_writes_values_with_expected_old_values(world, rulebooks, save, bearer):
    save(world.village_a, {"cyxw.income": "25", "zbgy.secretary": "12"})
    api = bearer("secretary_a")
    url = f"/api/v1/scores/{world.village_a.pk}?year={YEAR}"
    sheet = api.get(url).json()
    row = {r["indicator"]: r for r in sheet["values"]}
    assert row["cyxw.income"]["value"] == "25" and row["cyxw.income"]["may_edit"] is True
    assert row["zbgy.secretary"]["entered_by"] == "street" and row["zbgy.secretary"]["may_edit"] is False

    ok = api.patch(
        url,
        {"changes": [{"indicator": "cyxw.income", "value": "26", "expected": "25"}]},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["updated"] == 1
    stale = api.patch(
        url,
        {"changes": [{"indicator": "cyxw.income", "value": "27", "expected": "25"}]},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert stale.json()["current"] == {"cyxw.income": "26"} and "已被他人修改" in stale.json()["detail"]
    refused = api.patch(
        url,
        {"changes": [{"indicator": "zbgy.secretary", "value": 15, "expected": "12"}]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "该指标由街道（镇）专班评定" in refused.json()["errors"]["zbgy.secretary"]
    bad = api.patch(
        url,
        {"changes": [{"indicator": "cyxw.income", "value": "abc", "expected": "26"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "村集体经济收入" in bad.json()["errors"]["cyxw.income"]
    assert stored(world.village_a) == {"cyxw.income": Decimal(26), "zbgy.secretary": Decimal(12)}
    assert bearer("leader").patch(url, {"changes": []}, content_type="application/json").status_code == 403
    assert bearer("street_b").get(url).status_code == 404


def test_api_patches_an_organisation_with_its_version(world, bearer):
    api = bearer("street_a")
    url = f"/api/v1/orgs/{world.village_a.pk}"
    version = api.get(url).json()["lock_version"]
    ok = api.patch(
        url, {"lock_version": version, "member_count": 45, "reason": "核对"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["member_count"] == 45
    stale = api.patch(url, {"lock_version": version, "name": "旧名"}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["current"]["member_count"] == 45 and "党员人数：40 → 45" in stale.json()["detail"]
    missing = api.patch(url, {"name": "无版本"}, content_type="application/json")
    assert missing.status_code == 422
    assert (
        bearer("secretary_a")
        .patch(url, {"lock_version": version + 1, "name": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        bearer("street_b")
        .patch(url, {"lock_version": 0, "name": "x"}, content_type="application/json")
        .status_code
        == 404
    )
