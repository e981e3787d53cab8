"""Visit exports for the office: the columns, and CSV (UTF-8 with BOM, so Excel reads Chinese)
written a chunk at a time; the XLSX package is in xlsx_stream."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timezone
from typing import Any

from anyio import to_thread
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from server.core.clock import local_zone
from server.core.words import OFFICE_REVIEW_WORDS
from server.office.export_rows import visit_chunks
from server.office.filters import VisitFilters
from server.office.xlsx_stream import XlsxStart, XlsxStream, xlsx_start
from sync.vocabulary import VISIT_KIND_WORDS, VISIT_STATUS_WORDS

BOM = "\ufeff"


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _moment(value: Any) -> datetime | None:
    """A stored time as Shanghai wall-clock time (what the office reads; a spreadsheet has no
    time zones). SQLite hands some rows back as text."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone()).replace(tzinfo=None)


def _comments(events: list[tuple[datetime | None, str | None, str]]) -> str:
    """The office's comments on a visit, oldest first, one a line: when, who, what."""
    return "\n".join(f"{_csv_cell(_moment(at))} {who or ''}：{text}" for at, who, text in events)


# (header, value, width in the workbook) per column of a row from export_rows.visit_chunks.
# Values keep their type (times, dates, numbers): the CSV writes them as text, the workbook as
# real date and number cells. What a person reads first comes first; the record's id last, to
# trace a row back.
Column = tuple[str, Callable[[dict[str, Any], "set | dict"], Any], float]
COLUMNS: list[Column] = [
    ("走访时间", lambda v, d: _moment(v["occurred_at"]), 17),
    ("楼组", lambda v, d: v["group"], 18),
    ("地址", lambda v, d: v["address"], 28),
    ("楼组长", lambda v, d: v["author"], 10),
    ("类型", lambda v, d: VISIT_KIND_WORDS.get(_code(v["kind"]), _code(v["kind"])), 10),
    ("状况", lambda v, d: VISIT_STATUS_WORDS.get(_code(v["status"]), _code(v["status"])), 8),
    ("见到的居民", lambda v, d: "、".join(v["residents"]), 16),
    ("记录内容", lambda v, d: v["notes"], 50),
    ("处理状态", lambda v, d: OFFICE_REVIEW_WORDS.get(_code(v["review_state"]), _code(v["review_state"])), 10),
    ("办公室意见", lambda v, d: _comments(v["comments"]), 50),
    ("需要跟进", lambda v, d: _yes(v["follow_up_needed"]), 8),
    ("组长填写的跟进期限", lambda v, d: v["follow_up_due"], 12),
    ("办公室跟进期限", lambda v, d: v["follow_up_office_due"], 12),
    # follow_ups.effective_due on a row: the office's own deadline when it set one.
    ("跟进期限", lambda v, d: v["follow_up_office_due"] or v["follow_up_due"], 12),
    ("负责人", lambda v, d: v["assignee"] or "", 10),
    ("疑似重复", lambda v, d: _yes(v["id"] in d), 8),
    ("版本冲突", lambda v, d: _yes(v["has_conflict"]), 8),
    ("已撤回", lambda v, d: _yes(v["withdrawn"]), 8),
    ("已作废", lambda v, d: _yes(v["voided_at"] is not None), 8),
    ("作废原因", lambda v, d: v["void_reason"] or "", 24),
    ("收到时间", lambda v, d: _moment(v["received_at"]), 17),
    ("版本", lambda v, d: v["version"], 6),
    ("记录编号", lambda v, d: str(v["id"]), 38),
]


def headers() -> list[str]:
    return [header for header, _, _ in COLUMNS]


def table_rows(visits: list[dict[str, Any]], duplicates: set | dict) -> list[list[Any]]:
    return [[get(v, duplicates) for _, get, _ in COLUMNS] for v in visits]


FORMULA_START = frozenset("=+-@\t\r")


def _csv_cell(value: Any) -> Any:
    """A typed value as the CSV shows it: times to the minute, dates as 年-月-日, text defused.
    Text first and by exact type: this runs for every cell of ten years of visits."""
    kind = value.__class__
    if kind is str:
        # A cell starting with = + - @ is a formula to a spreadsheet; a leader's note must never
        # run as one when the office opens the file (CSV injection).
        return "'" + value if value[:1] in FORMULA_START else value
    if kind is datetime:
        return value.strftime("%Y-%m-%d %H:%M")
    if kind is date:
        return value.isoformat()
    return "" if value is None else value


def csv_bytes(rows: list[list[Any]], first: bool = False) -> bytes:
    """One chunk of the CSV; the first carries the BOM (so Excel reads UTF-8) and the header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if first:
        out.write(BOM)
        writer.writerow(headers())
    writer.writerows([[_csv_cell(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")


def xlsx_cells(row: list[Any]) -> list[Any]:
    # Control characters are not allowed in XLSX cells; everything else is kept as typed (and
    # written as text, never as a formula: see xlsx_stream).
    return [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]


SHEET_TITLE = "走访记录"
COLUMN_WIDTHS = tuple((get_column_letter(n), width) for n, (_, _, width) in enumerate(COLUMNS, start=1))


async def csv_body(
    community_id: int | None, filters: VisitFilters, chunk: int | None = None, start: None = None
) -> AsyncIterator[bytes]:
    """The CSV as it is built: the header at once, then one piece per chunk of visits (run in
    an export process of its own: export_job)."""
    yield csv_bytes([], first=True)
    async for visits, duplicates in visit_chunks(community_id, filters, chunk):
        yield await to_thread.run_sync(lambda: csv_bytes(table_rows(visits, duplicates)))


async def xlsx_body(
    community_id: int | None, filters: VisitFilters, chunk: int | None = None, start: XlsxStart | None = None
) -> AsyncIterator[bytes]:
    """The workbook as it is built (see xlsx_stream), in an export process of its own (export_job);
    formatting runs in a worker thread there so the next chunk's queries go on meanwhile."""
    book = await to_thread.run_sync(lambda: XlsxStream(SHEET_TITLE, headers(), COLUMN_WIDTHS, start))
    yield book.head()
    async for visits, duplicates in visit_chunks(community_id, filters, chunk):
        data = await to_thread.run_sync(
            lambda: book.add([xlsx_cells(row) for row in table_rows(visits, duplicates)])
        )
        if data:
            yield data
    yield await to_thread.run_sync(book.close)


# What each export is, by the name the route and the export process use (export_job).
BODIES = {"csv": csv_body, "xlsx": xlsx_body}


def opening(kind: str) -> tuple[XlsxStart | None, bytes]:
    """(the body's `start`, the first piece a body from that start yields), made without reading
    the store: the serving process sends these bytes at once while the export process starts."""
    if kind == "csv":
        return None, csv_bytes([], first=True)
    start = xlsx_start(SHEET_TITLE, headers(), COLUMN_WIDTHS)
    return start, XlsxStream(SHEET_TITLE, headers(), COLUMN_WIDTHS, start).head()
