"""Visit exports for the office: CSV (UTF-8 with BOM, so Excel reads Chinese) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

from server.models import Visit
from server.office.follow_ups import effective_due
from server.office.labels import KIND_WORDS, REVIEW_WORDS, STATUS_WORDS
from server.web import local_time

BOM = "\ufeff"


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def columns(duplicates: dict) -> list[tuple[str, Callable[[Visit], Any]]]:
    """(header, value) per column; the id comes first so a row can be traced back."""
    return [
        ("id", lambda v: str(v.id)),
        ("走访时间", lambda v: local_time(v.occurred_at)),
        ("收到时间", lambda v: local_time(v.received_at)),
        ("楼组", lambda v: v.household.building_group.name),
        ("地址", lambda v: v.household.address),
        ("楼组长", lambda v: v.author.display_name),
        ("类型", lambda v: KIND_WORDS.get(_code(v.kind), _code(v.kind))),
        ("状况", lambda v: STATUS_WORDS.get(_code(v.status), _code(v.status))),
        ("处理状态", lambda v: REVIEW_WORDS.get(_code(v.review_state), _code(v.review_state))),
        ("记录内容", lambda v: v.notes),
        ("需要跟进", lambda v: _yes(v.follow_up_needed)),
        ("组长填写的跟进期限", lambda v: v.follow_up_due.isoformat() if v.follow_up_due else ""),
        ("办公室跟进期限", lambda v: v.follow_up_office_due.isoformat() if v.follow_up_office_due else ""),
        ("跟进期限", lambda v: effective_due(v).isoformat() if effective_due(v) else ""),
        ("负责人", lambda v: v.follow_up_assignee.display_name if v.follow_up_assignee else ""),
        ("疑似重复", lambda v: _yes(v.id in duplicates)),
        ("版本冲突", lambda v: _yes(v.has_conflict)),
        ("已撤回", lambda v: _yes(v.withdrawn)),
        ("版本", lambda v: v.version),
    ]


def _table(visits: list[Visit], duplicates: dict) -> tuple[list[str], list[list[Any]]]:
    cols = columns(duplicates)
    return [h for h, _ in cols], [[get(v) for _, get in cols] for v in visits]


def _defuse(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet; a leader's note must never
    # run as one when the office opens the file (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def visits_csv(visits: list[Visit], duplicates: dict) -> bytes:
    headers, rows = _table(visits, duplicates)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[_defuse(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")


def visits_xlsx(visits: list[Visit], duplicates: dict) -> bytes:
    headers, rows = _table(visits, duplicates)
    book = Workbook()
    sheet = book.active
    sheet.title = "走访记录"
    sheet.append(headers)
    for row in rows:
        # Control characters are not allowed in XLSX cells; everything else is kept as typed.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # openpyxl would store "=..." as a formula
    sheet.freeze_panes = "A2"
    for letter, width in (("A", 38), ("B", 17), ("C", 17), ("D", 18), ("E", 28), ("J", 50)):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
