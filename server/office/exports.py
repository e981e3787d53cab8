"""Visit exports for the office: the columns, and CSV (UTF-8 with BOM, so Excel reads Chinese)
written a chunk at a time; the XLSX package is in xlsx_stream."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

from anyio import to_thread
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from server.office.export_rows import visit_chunks
from server.office.filters import VisitFilters
from server.office.labels import KIND_WORDS, REVIEW_WORDS, STATUS_WORDS
from server.office.xlsx_stream import XlsxStream
from server.web import local_time

BOM = "\ufeff"


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


def columns(duplicates: set | dict) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    """(header, value) per column of a row from export_rows.visit_chunks; the id comes first so a
    row can be traced back."""
    return [
        ("id", lambda v: str(v["id"])),
        ("走访时间", lambda v: local_time(v["occurred_at"])),
        ("收到时间", lambda v: local_time(v["received_at"])),
        ("楼组", lambda v: v["group"]),
        ("地址", lambda v: v["address"]),
        ("楼组长", lambda v: v["author"]),
        ("类型", lambda v: KIND_WORDS.get(_code(v["kind"]), _code(v["kind"]))),
        ("状况", lambda v: STATUS_WORDS.get(_code(v["status"]), _code(v["status"]))),
        ("处理状态", lambda v: REVIEW_WORDS.get(_code(v["review_state"]), _code(v["review_state"]))),
        ("记录内容", lambda v: v["notes"]),
        ("需要跟进", lambda v: _yes(v["follow_up_needed"])),
        ("组长填写的跟进期限", lambda v: _day(v["follow_up_due"])),
        ("办公室跟进期限", lambda v: _day(v["follow_up_office_due"])),
        # follow_ups.effective_due on a row: the office's own deadline when it set one.
        ("跟进期限", lambda v: _day(v["follow_up_office_due"] or v["follow_up_due"])),
        ("负责人", lambda v: v["assignee"] or ""),
        ("疑似重复", lambda v: _yes(v["id"] in duplicates)),
        ("版本冲突", lambda v: _yes(v["has_conflict"])),
        ("已撤回", lambda v: _yes(v["withdrawn"])),
        ("版本", lambda v: v["version"]),
    ]


def headers() -> list[str]:
    return [h for h, _ in columns(set())]


def table_rows(visits: list[dict[str, Any]], duplicates: set | dict) -> list[list[Any]]:
    cols = columns(duplicates)
    return [[get(v) for _, get in cols] for v in visits]


def _defuse(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet; a leader's note must never
    # run as one when the office opens the file (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(rows: list[list[Any]], first: bool = False) -> bytes:
    """One chunk of the CSV; the first carries the BOM (so Excel reads UTF-8) and the header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if first:
        out.write(BOM)
        writer.writerow(headers())
    writer.writerows([[_defuse(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")


def xlsx_cells(row: list[Any]) -> list[Any]:
    # Control characters are not allowed in XLSX cells; everything else is kept as typed (and
    # written as text, never as a formula: see xlsx_stream).
    return [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]


SHEET_TITLE = "走访记录"
COLUMN_WIDTHS = (("A", 38), ("B", 17), ("C", 17), ("D", 18), ("E", 28), ("J", 50))


async def csv_body(community_id: int | None, filters: VisitFilters) -> AsyncIterator[bytes]:
    """The CSV as it is built: the header at once, then one piece per chunk of visits. Rows are
    formatted in a worker thread so a big export never holds up other requests."""
    yield csv_bytes([], first=True)
    async for visits, duplicates in visit_chunks(community_id, filters):
        yield await to_thread.run_sync(lambda: csv_bytes(table_rows(visits, duplicates)))


async def xlsx_body(community_id: int | None, filters: VisitFilters) -> AsyncIterator[bytes]:
    """The workbook as it is built (see xlsx_stream); compression runs in a worker thread."""
    book = await to_thread.run_sync(lambda: XlsxStream(SHEET_TITLE, headers(), COLUMN_WIDTHS))
    yield book.head()
    async for visits, duplicates in visit_chunks(community_id, filters):
        data = await to_thread.run_sync(
            lambda: book.add([xlsx_cells(row) for row in table_rows(visits, duplicates)])
        )
        if data:
            yield data
    yield await to_thread.run_sync(book.close)
