"""Indicator values through Excel: the template, all-or-nothing import with row-and-column-precise
messages in Chinese, and the filled export that imports back unchanged.

Column numbers are counted by hand from 2023-rural.yaml: 组织编码 (1), 组织名称 (2), then the 8
indicators of each star in order — 支部过硬星 3–10, 产业兴旺星 11–18, 生态宜居星 19–26, 平安法治星 27–34,
文明幸福星 35–42.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows, sheet_xml, upload, xlsx_bytes, xlsx_file
from wuxing.rules import services
from wuxing.rules.models import Score
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, STJY_FULL, YEAR, text_of

pytestmark = pytest.mark.django_db

TEMPLATE = f"/stars/scores/rural.xlsx?year={YEAR}"
FILLED = f"/stars/scores/rural.xlsx?year={YEAR}&filled=1"
INCOME = "村集体经济收入（万元） [cyxw.income]"
TOILETS = "卫生厕所普及率（%） [stjy.toilets]"
COOPERATIVE = "农民专业合作社（村集体经济组织）规范运营 [cyxw.cooperative]"


def fill(content: bytes, values: dict[str, dict[str, Any]]) -> bytes:
    """Type values into a downloaded template: {org code: {indicator code: cell value}}."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    columns = {str(c.value).rsplit("[", 1)[-1].rstrip("]"): c.column for c in ws[1] if c.value}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for org_code, cells in values.items():
        for code, value in cells.items():
            ws.cell(row=rows[org_code], column=columns[code], value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def stored(org: Any) -> dict[str, Decimal]:
    return dict(Score.objects.filter(org=org, year=YEAR).values_list("indicator_code", "value"))


def run(actor: Any, content: bytes, kind: str = "rural") -> Any:
    return services.import_scores(actor, io.BytesIO(content), YEAR, kind)


def test_the_template_has_one_row_per_visible_organisation_and_codes_in_the_headers(
    world, rulebooks, client_for
):
    response = client_for("admin").get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = response.getvalue()
    rows = read_rows(content)
    header = rows[0]
    assert len(header) == 42
    assert header[:3] == ["组织编码", "组织名称", "村党组织书记履职尽责 [zbgy.secretary]"]
    assert (
        header[10] == INCOME
        and header[18] == TOILETS
        and header[41] == "获评县级以上文明村（项） [wmxf.civilised_village]"
    )
    assert all(h.endswith("]") and "[" in h for h in header[2:])
    # ordered by the tree, whose siblings sort by code: 柏庄镇 (BZ) before 彰北街道 (ZB)
    assert [r[:2] for r in rows[1:]] == [["BZ001", "后万金村"], ["ZB001", "西漳涧村"]]
    assert load_workbook(io.BytesIO(content)).sheetnames[1] == "说明"

    street = read_rows(client_for("street_a").get(TEMPLATE).getvalue())
    assert [r[:2] for r in street[1:]] == [["ZB001", "西漳涧村"]]
    community = read_rows(client_for("street_b").get(f"/stars/scores/community.xlsx?year={YEAR}").getvalue())
    assert community[1:] == []  # 柏庄镇 has no community


def test_a_good_file_imports_every_row(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {
            "ZB001": {"cyxw.income": 18, "stjy.toilets": "85", "cyxw.cooperative": "是"},
            "BZ001": {"cyxw.income": 25.5},
        },
    )
    report = run(world.users["admin"], content)
    assert (report.ok, report.created, report.updated, report.messages()) == (True, 2, 0, [])
    assert stored(world.village_a) == {
        "cyxw.income": Decimal(18),
        "stjy.toilets": Decimal(85),
        "cyxw.cooperative": Decimal(1),
    }
    assert stored(world.village_b) == {"cyxw.income": Decimal("25.5")}
    score = Score.objects.get(org=world.village_a, indicator_code="cyxw.income")
    assert (
        score.entered_by == world.users["admin"] and score.history.get().history_change_reason == "Excel 导入"
    )


def test_one_bad_cell_imports_nothing_and_says_where(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {
            "BZ001": {"cyxw.income": 30, "stjy.toilets": 85},
            "ZB001": {"cyxw.income": 18, "wmxf.insurance": 101},
        },
    )
    report = run(world.users["admin"], content)
    assert (report.ok, report.created, report.updated) == (False, 0, 0)
    assert report.messages() == [  # BZ001 (good, yet not kept) is on row 2, ZB001 on row 3
        "第3行 第40列（城乡居民医保参保率（%） [wmxf.insurance]）：城乡居民医保参保率：应为 0–100 之间的数（单位：%）"
    ]
    assert not Score.objects.exists()


def test_several_bad_cells_are_all_reported(world, rulebooks, client_for):
    content = fill(
        client_for("street_a").get(TEMPLATE).getvalue(),
        {
            "ZB001": {
                "stjy.toilets": "120",
                "zbgy.org_life": "十二",
                "cyxw.featured": "也许",
                "cyxw.income": 18,
            }
        },
    )
    report = run(world.users["street_a"], content)
    assert sorted(report.messages()) == sorted(
        [
            "第2行 第5列（按月开展主题党日（次） [zbgy.org_life]）：按月开展主题党日：应为 0–9999 之间的整数（单位：次）",
            "第2行 第14列（形成“一村一品”特色主导产业 [cyxw.featured]）："
            "形成“一村一品”特色主导产业：应填“是”或“否”（也可填 有/无、√/×、1/0）",
            "第2行 第19列（卫生厕所普及率（%） [stjy.toilets]）：卫生厕所普及率：应为 0–100 之间的数（单位：%）",
        ]
    )
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("actor", "rows", "message"),
    [
        (
            "admin",
            [["ZB999", 18]],
            "第2行 第1列（组织编码）：找不到组织编码“ZB999”（或不属于本细则的适用类型，或您无权填报）",
        ),
        (  # a community in the rural file
            "admin",
            [["ZB001", 18], ["ZB002", 18]],
            "第3行 第1列（组织编码）：找不到组织编码“ZB002”（或不属于本细则的适用类型，或您无权填报）",
        ),
        (
            "admin",
            [["ZB001", 18], ["BZ001", 20], ["ZB001", 19]],
            "第4行 第1列（组织编码）：组织编码“ZB001”与第2行重复",
        ),
        (  # another street's organisation looks like a missing one
            "street_a",
            [["ZB001", 18], ["BZ001", 20]],
            "第3行 第1列（组织编码）：找不到组织编码“BZ001”（或不属于本细则的适用类型，或您无权填报）",
        ),
        (
            "secretary_a",
            [["BZ001", 20]],
            "第2行 第1列（组织编码）：找不到组织编码“BZ001”（或不属于本细则的适用类型，或您无权填报）",
        ),
    ],
)
def test_rows_that_name_the_wrong_organisation(world, rulebooks, actor, rows, message):
    report = run(world.users[actor], xlsx_bytes(["组织编码", INCOME], rows))
    assert report.messages() == [message]
    assert not Score.objects.exists()


def test_read_only_roles_import_nothing(world, rulebooks):
    for role in ("leader", "unit"):
        report = run(world.users[role], xlsx_bytes(["组织编码", INCOME], [["ZB001", 18]]))
        assert not report.ok, role
    assert not Score.objects.exists()


def test_headers_in_any_order_full_width_digits_and_spaces(world, rulebooks):
    content = xlsx_bytes(
        [TOILETS, "  组织编码 ", COOPERATIVE, INCOME, "组织名称"],
        [
            ["８５", " ｚｂ００１ ", " 是 ", "１８．５", "随便写的名称"],
            [None, "BZ001", None, " 20 万元", None],
        ],
    )
    report = run(world.users["admin"], content)
    assert report.ok, report.messages()
    assert stored(world.village_a) == {
        "stjy.toilets": Decimal(85),
        "cyxw.cooperative": Decimal(1),
        "cyxw.income": Decimal("18.5"),
    }
    assert stored(world.village_b) == {"cyxw.income": Decimal(20)}


def test_an_unknown_or_missing_header_is_refused(world, rulebooks):
    report = run(world.users["admin"], xlsx_bytes(["组织编码", "收入"], [["ZB001", 18]]))
    assert report.messages() == ["第1行 第2列（收入）：不认识的表头，请使用下载的模板"]
    report = run(world.users["admin"], xlsx_bytes([INCOME], [[18]]))
    assert report.messages() == ["第1行：缺少必填列“组织编码”"]
    assert not Score.objects.exists()


def test_blank_cells_leave_existing_values_alone(world, rulebooks, save):
    save(world.village_a, {"cyxw.income": "18", "stjy.toilets": "85"})
    report = run(world.users["admin"], xlsx_bytes(["组织编码", INCOME, TOILETS], [["ZB001", 21, None]]))
    assert report.ok and report.updated == 1
    assert stored(world.village_a) == {"cyxw.income": Decimal(21), "stjy.toilets": Decimal(85)}


def test_the_filled_export_imports_back_unchanged(world, rulebooks, save, client_for):
    save(world.village_a, {**CYXW_AT_18, **STJY_FULL, "zbgy.secretary": "12.5", "wmxf.insurance": "94.75"})
    save(world.village_b, RURAL_FULL)
    before = {s.pk: (s.value, s.entered_at) for s in Score.objects.all()}
    history = Score.history.count()

    exported = client_for("leader").get(FILLED)  # read-only roles may export
    assert exported.status_code == 200
    content = exported.getvalue()
    rows = read_rows(content)
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_code["ZB001"][INCOME] == 18 and by_code["ZB001"][COOPERATIVE] == "是"
    assert by_code["ZB001"]["城乡居民医保参保率（%） [wmxf.insurance]"] == 94.75
    assert by_code["ZB001"]["按月开展主题党日（次） [zbgy.org_life]"] is None

    report = run(world.users["admin"], content)
    assert report.ok, report.messages()
    assert {s.pk: (s.value, s.entered_at) for s in Score.objects.all()} == before
    assert Score.history.count() == history  # nothing was rewritten


def test_import_through_the_page(world, rulebooks, client_for):
    client = client_for("street_a")
    bad = xlsx_bytes(["组织编码", INCOME, TOILETS], [["ZB001", 18, 85], ["ZB001", 20, 90]])
    response = client.post(f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(bad)})
    assert response.status_code == 200
    page = text_of(response)
    assert "农村 · 发现 1 处错误，未导入任何数据" in page
    # a full-width table: row, column (number and letter), header, message
    html = response.content.decode()
    table = html[html.index('<table class="import-errors-table">') : html.index("</table>")]
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells == ["第3行", "第1列（A）", "组织编码", "组织编码“ZB001”与第2行重复"]
    assert not Score.objects.exists()

    good = xlsx_bytes(["组织编码", INCOME, TOILETS], [["ZB001", 18, 85]])
    response = client.post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(good)}, follow=True
    )
    assert "导入成功：1 个组织的得分有变更并已保存，0 个组织没有变化" in text_of(response)
    assert stored(world.village_a) == {"cyxw.income": Decimal(18), "stjy.toilets": Decimal(85)}
    # the same file again changes nothing and says so
    response = client.post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(good)}, follow=True
    )
    assert "导入成功：0 个组织的得分有变更并已保存，1 个组织没有变化" in text_of(response)

    response = client.post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(good, name="a.csv")}
    )
    assert "请上传 .xlsx 格式的 Excel 文件" in text_of(response)
    for role in ("leader", "unit"):
        assert (
            client_for(role)
            .post(f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(good)})
            .status_code
            == 403
        )


def test_import_without_an_active_rulebook(world, rulebooks):
    content = xlsx_file(["组织编码", INCOME], [["ZB001", 18]])
    report = services.import_scores(system_user(), content, 2030, "rural")
    assert report.messages() == ["第1行：2030年尚未启用该类型的星级细则"]


# --- the template is written by the product's one writer; the importer reads only its data sheet ---


def test_the_template_keeps_organisation_names_as_text(world, rulebooks, client_for):
    """The organisations are pre-filled through the escaping writer: a name that looks like a formula is
    a plain string cell (with Excel's quote prefix), never a live link."""
    from wuxing.orgs import services as org_services

    name = '=HYPERLINK("http://example.com","点我")'
    org_services.create_branch(
        system_user(),
        world.street_a,
        {"code": "ZB077", "name": name, "area_kind": "rural", "branch_type": "branch"},
    )
    content = client_for("admin").get(TEMPLATE).getvalue()
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "ZB077")
    cell = ws.cell(row=row, column=2)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)
    assert "<f>" not in sheet_xml(content)
    # and the template, filled in, still imports (the name column is only for checking)
    report = run(world.users["admin"], fill(content, {"ZB077": {"cyxw.income": 18}}))
    assert report.ok, report.messages()


def test_a_hidden_data_sheet_is_refused(world, rulebooks, client_for):
    wb = load_workbook(
        io.BytesIO(fill(client_for("admin").get(TEMPLATE).getvalue(), {"ZB001": {"cyxw.income": 18}}))
    )
    wb.active = 1
    wb.worksheets[0].sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    report = run(world.users["admin"], buf.getvalue())
    assert report.messages() == ["数据表“2023年农村得分”被隐藏，请取消隐藏后再上传"]
    assert not Score.objects.exists()


def test_the_data_sheet_is_found_by_its_title(world, rulebooks, client_for):
    wb = load_workbook(
        io.BytesIO(fill(client_for("admin").get(TEMPLATE).getvalue(), {"ZB001": {"cyxw.income": 18}}))
    )
    scratch = wb.create_sheet("草稿", 0)  # a sheet of one's own in front of the data sheet
    scratch.append(["组织编码", INCOME])
    scratch.append(["ZB001", 99])
    buf = io.BytesIO()
    wb.save(buf)
    report = run(world.users["admin"], buf.getvalue())
    assert report.ok, report.messages()
    assert stored(world.village_a) == {"cyxw.income": Decimal(18)}


def test_a_formula_without_a_value_is_reported_not_skipped(world, rulebooks, client_for):
    content = fill(client_for("admin").get(TEMPLATE).getvalue(), {"ZB001": {"cyxw.income": "=9+9"}})
    report = run(world.users["admin"], content)
    assert report.messages() == ["第3行 第11列（村集体经济收入（万元） [cyxw.income]）：是公式，请粘贴为数值"]
    assert not Score.objects.exists()


def test_messages_quote_only_a_short_prefix_of_what_was_uploaded(world, rulebooks):
    code = "ZB" + "9" * 1998  # 2,000 characters: read, and quoted short
    report = run(world.users["admin"], xlsx_bytes(["组织编码", INCOME], [[code, 18]]))
    assert report.messages() == [
        "第2行 第1列（组织编码）：找不到组织编码“ZB999999999999999999…”（或不属于本细则的适用类型，或您无权填报）"
    ]
    report = run(world.users["admin"], xlsx_bytes(["组织编码", INCOME], [["ZB001", 18], ["Z" * 100_000, 18]]))
    assert report.messages() == ["第3行 第1列（组织编码）：内容超过 2000 个字符（“ZZZZZZZZZZZZZZZZZZZZ…”）"]
    assert not Score.objects.exists()


def test_the_form_refuses_a_file_over_the_size_limit(world, rulebooks, client_for):
    good = xlsx_bytes(["组织编码", INCOME], [["ZB001", 18]])
    buf = io.BytesIO(good)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/photo.bin", os.urandom(10 * 1024 * 1024))
    response = client_for("street_a").post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(buf.getvalue())}
    )
    assert response.status_code == 200
    assert "文件超过 10MB，请拆分后上传" in text_of(response)
    assert not Score.objects.exists()
