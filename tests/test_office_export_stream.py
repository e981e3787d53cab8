"""Exports streamed a chunk at a time: same order and duplicate flags as the dashboard, narrowed by
a date range and the dashboard's filters, refused with a Chinese message for a bad date."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import time
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from server.models import AuditEvent, Visit
from server.settings import get_settings
from server.office import export_job, export_rows, exports
from server.office.filters import VisitFilters
from server.office.queries import likely_duplicates
from server.office.xlsx_stream import XlsxStream
from tests.factories import api_login
from tests.office_factories import at, make_visit
from tests.test_office_exports import HEADERS, ID, dashboard_ids


def as_csv_text(cell, header: str) -> str:
    """A workbook cell as the CSV writes it: date cells to the minute, or as a day for deadlines."""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d") if "期限" in header else cell.strftime("%Y-%m-%d %H:%M")
    return str(cell)


@pytest.fixture
def tiny_chunks(monkeypatch):
    # Two visits a chunk, so a handful of visits already spans many chunks and every segment.
    monkeypatch.setattr(export_rows, "CHUNK", 2)


async def many_visits(world) -> list[Visit]:
    """Every segment of the dashboard's order, ties on the same minute, likely duplicates."""
    nine = at("2026-11-10 09:00")
    visits = [
        await make_visit(world, 0, nine, kind="elderly_check", status="urgent"),
        await make_visit(world, 0, nine + timedelta(minutes=30), kind="elderly_check"),  # twin of the first
        await make_visit(world, 0, nine + timedelta(hours=2, minutes=30), kind="elderly_check"),  # twin of the 2nd
        await make_visit(world, 0, nine + timedelta(hours=5), kind="elderly_check"),  # alone
        await make_visit(world, 0, nine + timedelta(hours=5, minutes=10), kind="safety"),  # other kind
        await make_visit(world, 1, nine, status="concern"),
        await make_visit(world, 1, nine, status="concern"),  # same minute as the one above
        await make_visit(world, 1, nine + timedelta(hours=1), withdrawn=True),  # withdrawn: never a twin
        await make_visit(world, 2, at("2026-11-12 09:00"), review_state="resolved", status="urgent"),
        await make_visit(world, 2, at("2026-11-12 11:00"), review_state="resolved"),  # exactly 2 h: a twin
        await make_visit(world, 3, at("2026-11-01 09:00"), review_state="in_progress", status="concern"),
        await make_visit(world, 4, at("2026-10-31 23:30"), review_state="resolved"),
        await make_visit(world, 4, at("2026-11-30 23:59")),
        await make_visit(world, 5, at("2026-11-15 09:00"), follow_up_needed=True, follow_up_due=at("2026-12-01 00:00").date()),
    ]
    return visits


async def body_parts(client, path: str) -> list[bytes]:
    """The body as the app sends it, piece by piece (httpx's test transport joins the pieces)."""
    path, _, query = path.partition("?")
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }
    sent: list[dict] = []
    requested = False
    done = asyncio.Event()

    async def receive() -> dict:
        nonlocal requested
        if requested:  # the client stays connected until the response ends
            await done.wait()
            return {"type": "http.disconnect"}
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    await client._transport.app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    parts = [m["body"] for m in sent[1:] if m["type"] == "http.response.body" and m.get("body")]
    assert sent[-1].get("more_body", False) is False
    return parts


def csv_lines(rows: list[list[str]]) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


async def csv_parts(client, query: str = "") -> tuple[list[bytes], list[list[str]]]:
    parts = await body_parts(client, f"/office/visits.csv?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(parts).decode("utf-8-sig"))))
    return parts, rows


async def built_parts(world, kind: str) -> list[bytes]:
    """The pieces the export process writes, as the body comes out of exports (in this process)."""
    body = exports.BODIES[kind](world.community.id, VisitFilters(), export_rows.CHUNK)
    return [piece async for piece in body if piece]


async def test_csv_streams_chunk_by_chunk_in_the_dashboards_order(client, world, tiny_chunks):
    visits = await many_visits(world)
    await api_login(client, "office")
    # The header leaves before any visit is read; then one piece per chunk of two visits.
    parts = await built_parts(world, "csv")
    assert parts[0].startswith(b"\xef\xbb\xbf") and parts[0].decode("utf-8-sig").count("\r\n") == 1
    assert len(parts) >= 1 + len(visits) // 2
    _, rows = await csv_parts(client)
    assert b"".join(parts).decode("utf-8-sig") == "".join(f"{line}\r\n" for line in csv_lines(rows))
    assert rows[0] == HEADERS
    ids = [row[ID] for row in rows[1:]]
    assert sorted(ids) == sorted(str(v.id) for v in visits)
    # The dashboard shows 50 a page; with 14 visits, page 1 is the whole order.
    assert ids == dashboard_ids((await client.get("/office")).text)


async def test_duplicate_flags_are_the_dashboards_across_chunks(client, world, tiny_chunks):
    visits = await many_visits(world)
    await api_login(client, "office")
    _, rows = await csv_parts(client)
    flagged = {row[ID] for row in rows[1:] if dict(zip(HEADERS, row))["疑似重复"] == "是"}
    expected = {str(i) for i in await likely_duplicates(world.community.id, await Visit.filter(community_id=world.community.id))}
    assert flagged == expected
    assert {str(visits[i].id) for i in (0, 1, 2, 5, 6, 8, 9)} == expected  # the cases above, by hand
    by_id = {row[ID]: dict(zip(HEADERS, row)) for row in rows[1:]}
    follow_up = by_id[str(visits[13].id)]
    assert (follow_up["需要跟进"], follow_up["组长填写的跟进期限"], follow_up["跟进期限"]) == ("是", "2026-12-01", "2026-12-01")
    assert (by_id[str(visits[7].id)]["已撤回"], by_id[str(visits[0].id)]["地址"]) == ("是", world.households[0].address)


async def test_xlsx_streams_the_same_rows_with_the_sheet_format(client, world, tiny_chunks):
    await many_visits(world)
    await api_login(client, "office")
    _, csv_rows = await csv_parts(client)
    # The package's fixed parts leave before any visit is read; rows follow as they compress.
    built = await built_parts(world, "xlsx")
    assert len(built) >= 2 and b"[Content_Types].xml" in built[0]
    parts = await body_parts(client, "/office/visits.xlsx")
    book = load_workbook(io.BytesIO(b"".join(parts)))
    sheet = book.active
    assert sheet.title == "走访记录" and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 17 and sheet.column_dimensions["H"].width == 50
    rows = [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert [r[ID] for r in rows[1:]] == [r[ID] for r in csv_rows[1:]]
    for xlsx_row, csv_row in zip(rows[1:], csv_rows[1:]):
        assert [as_csv_text(c, header) for c, header in zip(xlsx_row, HEADERS)] == [
            c.removeprefix("'") if c[:2] == "'=" else c for c in csv_row
        ]
    assert all(isinstance(r[HEADERS.index("版本")], int) for r in rows[1:])  # the version stays a number
    assert all(isinstance(r[0], datetime) for r in rows[1:])  # times are real date cells


async def test_an_empty_export_is_a_header_only_file(client, world):
    await api_login(client, "office")
    _, rows = await csv_parts(client)
    assert rows == [HEADERS]
    response = await client.get("/office/visits.xlsx")
    assert list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)) == [tuple(HEADERS)]


async def test_a_date_range_and_the_filters_narrow_the_export(client, world, tiny_chunks):
    visits = await many_visits(world)
    await api_login(client, "office")
    query = "date_from=2026-11-01&date_to=2026-11-12"
    _, rows = await csv_parts(client, query)
    ids = [row[ID] for row in rows[1:]]
    # 2026-10-31 23:30 and 2026-11-30 23:59 (Shanghai days) fall outside, 11-15 too.
    assert set(ids) == {str(v.id) for v in visits[:11]}
    assert ids == dashboard_ids((await client.get(f"/office?{query}")).text)

    query += f"&group={world.groups[0].id}&status=urgent&review=new"
    _, rows = await csv_parts(client, query)
    assert [row[ID] for row in rows[1:]] == [str(visits[0].id)]
    response = await client.get(f"/office/visits.xlsx?{query}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[ID] for row in sheet.iter_rows(min_row=2, values_only=True)] == [str(visits[0].id)]
    audits = await AuditEvent.filter(action__startswith="export").order_by("id")
    assert [a.detail["rows"] for a in audits] == [11, 1, 1]
    assert audits[-1].detail["filters"] == {
        "group": world.groups[0].id, "status": "urgent", "review": "new",
        "date_from": "2026-11-01", "date_to": "2026-11-12",
    }


@pytest.mark.parametrize("path", ["/office/visits.csv", "/office/visits.xlsx"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-01", "日期格式应为 年-月-日，例如 2026-11-26。"),
        ("date_to=yesterday", "日期格式应为 年-月-日，例如 2026-11-26。"),
        ("date_from=2026-11-20&date_to=2026-11-01", "结束日期不能早于开始日期。"),
    ],
)
async def test_a_bad_date_is_refused_in_chinese_and_exports_nothing(client, world, path, query, message):
    await many_visits(world)
    await api_login(client, "office")
    response = await client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in response.headers
    assert "筛选条件有误，没有导出。" in response.text and message in response.text
    assert not await AuditEvent.filter(action__startswith="export").exists()


async def test_the_dashboards_export_links_carry_its_filters(client, world):
    await api_login(client, "office")
    query = f"group={world.groups[0].id}&kind=safety&date_from=2026-11-01&date_to=2026-11-30"
    html = (await client.get(f"/office?{query}")).text
    for path in ("/office/visits.csv", "/office/visits.xlsx"):
        assert f'href="{path}?group={world.groups[0].id}&amp;kind=safety&amp;date_from=2026-11-01&amp;date_to=2026-11-30"' in html
    assert 'name="date_from"' in html and 'name="date_to"' in html


def test_the_workbook_comes_out_while_rows_go_in():
    book = XlsxStream("走访记录", ["id", "记录内容", "版本"])
    head = book.head()
    assert head.startswith(b"PK")
    pieces = [
        book.add([[f"{n:06d}", f" 第{n}次走访 <&> " * 5, n] for n in range(k, k + 2000)]) for k in range(0, 20000, 2000)
    ]
    assert sum(1 for piece in pieces if piece) >= 5  # handed out as it grows, not held to the end
    sheet = load_workbook(io.BytesIO(b"".join([head, *pieces, book.close()]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 20001 and rows[0] == ("id", "记录内容", "版本")
    assert rows[20000] == ("019999", " 第19999次走访 <&> " * 5, 19999)


async def test_the_export_is_built_in_a_process_of_its_own(client, world, monkeypatch):
    """The serving process only relays the bytes: formatting in it would hold up the phones."""
    visits = await many_visits(world)
    await api_login(client, "office")

    def not_here(*args, **kwargs):
        raise AssertionError("the export was formatted in the serving process")

    monkeypatch.setattr(exports, "table_rows", not_here)
    for path in ("/office/visits.csv", "/office/visits.xlsx"):
        response = await client.get(path)
        assert response.status_code == 200
    assert len(load_workbook(io.BytesIO(response.content)).active["A"]) == 1 + len(visits)


async def test_a_download_given_up_ends_its_export_process(world, monkeypatch):
    await many_visits(world)
    started = []
    real = asyncio.create_subprocess_exec

    async def spawn(*args, **kwargs):
        started.append(await real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(export_job.asyncio, "create_subprocess_exec", spawn)
    monkeypatch.setattr(export_rows, "CHUNK", 1)
    body = export_job.exported("xlsx", world.community.id, VisitFilters(), get_settings())
    assert (await anext(body)).startswith(b"PK")
    await body.aclose()  # what the server does when the browser goes away
    assert len(started) == 1 and started[0].returncode is not None


async def test_a_failed_export_process_cuts_the_download_short(world, monkeypatch):
    await many_visits(world)
    broken = dataclasses.replace(get_settings(), database_url="postgres://nobody@127.0.0.1:1/none")
    body = export_job.exported("csv", world.community.id, VisitFilters(), broken)
    with pytest.raises(export_job.ExportFailed):
        async for _ in body:
            pass


async def test_the_export_process_refuses_to_go_on_from_an_opening_it_did_not_make(world, monkeypatch):
    """The serving process sends the opening; the export process checks its file begins the same."""
    await many_visits(world)
    real = export_job.opening
    monkeypatch.setattr(export_job, "opening", lambda kind: (real(kind)[0], b"PK not this"))
    body = export_job.exported("xlsx", world.community.id, VisitFilters(), get_settings())
    with pytest.raises(export_job.ExportFailed):
        async for _ in body:
            pass


def test_two_workbooks_from_one_start_begin_alike(monkeypatch):
    start = exports.opening("xlsx")[0]
    first = XlsxStream("走访记录", HEADERS, start=start).head()
    # Another process makes the second a day later: the zip entries carry the start's time, not
    # the moment they are written (zipfile would take time.localtime()).
    later = time.localtime(time.time() + 86_400)
    monkeypatch.setattr(time, "localtime", lambda *seconds: later)
    assert XlsxStream("走访记录", HEADERS, start=start).head() == first


async def test_the_export_process_leaves_no_metrics_files_behind(client, world, monkeypatch, tmp_path):
    """With several app processes their metrics are files in PROMETHEUS_MULTIPROC_DIR, summed by
    `louzu metrics`; an export process is not one of them."""
    await many_visits(world)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    await api_login(client, "office")
    assert (await client.get("/office/visits.csv")).status_code == 200
    assert list(tmp_path.iterdir()) == []


def test_the_export_process_starts_without_the_web_framework():
    """Its start-up is the wait before a download's first rows: it needs the store and the file
    format, not Litestar (which the dashboard's queries once pulled in: 0.15 s of 0.5)."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, server.office.export_job; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "'litestar'" not in loaded and "'jinja2'" not in loaded and "'openpyxl'" in loaded
