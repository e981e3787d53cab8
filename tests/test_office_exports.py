"""Exports with the dashboard's filters: CSV with a BOM for Excel, XLSX via openpyxl, audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from openpyxl import load_workbook

from server.models import AuditEvent
from tests.factories import api_login
from tests.office_factories import at, make_visit

# What a person reads first comes first; the record's id last (to trace a row back), never first.
HEADERS = [
    "走访时间", "楼组", "地址", "楼组长", "类型", "状况", "见到的居民", "记录内容", "处理状态", "办公室意见", "需要跟进",
    "组长填写的跟进期限", "办公室跟进期限", "跟进期限", "负责人", "疑似重复", "版本冲突", "已撤回", "已作废", "作废原因",
    "收到时间", "版本", "记录编号",
]
ID = HEADERS.index("记录编号")


def dashboard_ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/office/visits/([0-9a-f-]{36})">', html)


async def some_visits(world):
    return [
        await make_visit(world, when=at("2026-11-20 09:00"), kind="elderly_check", status="urgent", notes="=HYPERLINK(\"http://x\")"),
        await make_visit(world, household_index=1, when=at("2026-11-21 09:00"), kind="elderly_check", notes="张阿姨很好"),
        await make_visit(world, household_index=3, when=at("2026-11-22 09:00"), kind="safety", notes="楼道堆物"),
        await make_visit(world, household_index=4, when=at("2026-11-02 09:00"), kind="elderly_check", notes="十一月初"),
        await make_visit(world, household=world.other_household, author="leader_other", when=at("2026-11-20 09:00"),
                         kind="elderly_check", notes="别处"),
    ]


async def test_csv_has_bom_chinese_headers_and_the_filtered_rows(client, world):
    visits = await some_visits(world)
    await api_login(client, "office")
    query = "kind=elderly_check&date_from=2026-11-15"
    response = await client.get(f"/office/visits.csv?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    ids = [row[ID] for row in rows[1:]]
    assert ids == dashboard_ids((await client.get(f"/office?{query}")).text)
    assert set(ids) == {str(visits[0].id), str(visits[1].id)}
    by_id = {row[ID]: dict(zip(HEADERS, row)) for row in rows[1:]}
    first = by_id[str(visits[0].id)]
    assert (first["类型"], first["状况"], first["处理状态"], first["楼组长"]) == ("老人看望", "紧急", "新记录", "王秀英")
    assert first["走访时间"] == "2026-11-20 09:00"  # Shanghai time
    assert first["记录内容"].startswith("'=")  # a note is never a formula in Excel
    audit = await AuditEvent.get(action="export_csv")
    assert audit.detail == {"filters": {"kind": "elderly_check", "date_from": "2026-11-15"}, "rows": 2}
    assert audit.actor_id == world.users["office"].id and audit.community_id == world.community.id


async def test_xlsx_matches_the_dashboard_filter(client, world):
    visits = await some_visits(world)
    await api_login(client, "admin")
    query = f"group={world.groups[0].id}"
    response = await client.get(f"/office/visits.xlsx?{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    ids = [row[ID] for row in rows[1:]]
    assert ids == dashboard_ids((await client.get(f"/office?{query}")).text)
    assert set(ids) == {str(visits[0].id), str(visits[1].id)}  # households 0 and 1 are in group 1
    formula_cell = next(row for row in sheet.iter_rows(min_row=2) if row[ID].value == str(visits[0].id))[HEADERS.index("记录内容")]
    assert formula_cell.value == '=HYPERLINK("http://x")' and formula_cell.data_type == "s"
    audit = await AuditEvent.get(action="export_xlsx")
    assert audit.detail == {"filters": {"group": world.groups[0].id}, "rows": len(ids)}


async def test_bad_filter_exports_nothing(client, world):
    await some_visits(world)
    await api_login(client, "office")
    response = await client.get("/office/visits.csv?status=fine")
    assert response.status_code == 400
    assert "没有导出" in response.text and "没有这种状况。" in response.text
    assert not await AuditEvent.filter(action__startswith="export").exists()


async def test_other_community_exports_only_its_own(client, world):
    visits = await some_visits(world)
    await api_login(client, "office_other")
    rows = list(csv.reader(io.StringIO((await client.get("/office/visits.csv")).content.decode("utf-8-sig"))))
    assert [row[ID] for row in rows[1:]] == [str(visits[4].id)]


async def test_the_workbook_opens_ready_to_read_in_excel_or_wps(client, world):
    """Real date cells, a bold frozen header with a filter row over every row, the residents seen,
    the office's comments and the review state in words, the id last; CSV typed exactly."""
    li, wang = world.residents["li"], world.residents["wang"]
    visit = await make_visit(world, when=at("2026-11-20 09:05"), kind="elderly_check", residents=[li, wang],
                             follow_up_needed=True, follow_up_due=at("2026-12-01 00:00").date())
    await make_visit(world, household_index=1, when=at("2026-11-21 10:00"))
    token = await api_login(client, "office")
    await client.post(f"/office/visits/{visit.id}/review", data={"_csrf": token, "to_state": "acknowledged", "comment": "已电话联系"})
    await client.post(f"/office/visits/{visit.id}/review", data={"_csrf": token, "to_state": "keep", "comment": "下周再去"})

    csv_response = await client.get("/office/visits.csv")
    assert csv_response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    row = dict(zip(HEADERS, next(r for r in rows[1:] if r[ID] == str(visit.id))))
    assert row["见到的居民"] == "李建国、王美华" and row["处理状态"] == "已确认"
    comments = row["办公室意见"].split("\n")
    assert len(comments) == 2 and comments[0].endswith("居委办公室：已电话联系") and comments[1].endswith("居委办公室：下周再去")
    assert row["跟进期限"] == "2026-12-01" and row["已作废"] == "否" and row["作废原因"] == ""

    response = await client.get("/office/visits.xlsx")
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert HEADERS[0] == "走访时间" and HEADERS[-1] == "记录编号"  # never a bare id first
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(HEADERS)).column_letter}3"  # header and both rows
    cells = {c.value: c for c in sheet[1]}
    assert set(cells) == set(HEADERS)
    first = next(r for r in sheet.iter_rows(min_row=2) if r[ID].value == str(visit.id))
    occurred = first[HEADERS.index("走访时间")]
    assert occurred.is_date and occurred.value == datetime(2026, 11, 20, 9, 5)  # Shanghai wall-clock time
    assert occurred.number_format == "yyyy-mm-dd hh:mm"
    due = first[HEADERS.index("跟进期限")]
    assert due.is_date and due.value == datetime(2026, 12, 1) and due.number_format == "yyyy-mm-dd"
    assert first[HEADERS.index("见到的居民")].value == "李建国、王美华"
    comments_cell = first[HEADERS.index("办公室意见")]
    assert comments_cell.value.count("\n") == 1 and comments_cell.alignment.wrap_text  # shown as two lines
