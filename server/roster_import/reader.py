"""Spreadsheet bytes -> header and rows: .xlsx/.xls via python-calamine, CSV in UTF-8 or GB18030.

The format is told from the bytes, never from the file name, and every workbook is checked
(guard.py) before calamine opens it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

from server.roster_import import columns as cols
from server.roster_import import guard
from server.roster_import.guard import DAMAGED, NOT_A_SPREADSHEET, PASSWORD, too_many_rows
from server.roster_import.report import RosterFileError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
# Formats people rename to .xlsx by mistake; named so the message can say so.
NOT_SPREADSHEETS = (b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BM")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in committees' sheets

ENCODING = "读不出这个 CSV 文件的文字编码。请用 Excel 或 WPS 另存为 .xlsx（或 UTF-8 编码的 CSV），再导入。"


@dataclass
class Table:
    headers: dict[str, int]  # template column -> index in each row
    extra_columns: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (spreadsheet row number, cells)


# Full-width digits, letters and spaces (a Chinese input method's) made ASCII; Chinese punctuation
# such as ， and （ is kept, so notes and names read back exactly as typed.
WIDE = {
    **{code: code - 0xFEE0 for span in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B)) for code in range(*span)},
    0x3000: " ", 0xA0: " ", 0x200B: None, 0xFEFF: None,
}


def clean_text(value: Any) -> str:
    """A cell as text: full-width digits and letters made ASCII, spaces around it trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(WIDE).strip()


def plain_text(value: Any) -> str:
    """clean_text, then NFKC: for cells that are codes, numbers or dates (full-width ／ － ＋ too)."""
    return unicodedata.normalize("NFKC", clean_text(value)).strip()


def read_table(content: bytes, filename: str = "") -> Table:
    """The roster table in the file; raises RosterFileError for a file that cannot be one."""
    if not content or not content.strip():
        raise RosterFileError("文件是空的，请选择填好的名册表格。")
    max_bytes, _ = cols.limits()
    if len(content) > max_bytes:
        raise RosterFileError(
            f"文件太大了（{len(content) / 1024 / 1024:.1f} MB），最多 {max_bytes / 1024 / 1024:g} MB。"
            "请分成几个文件导入。"
        )
    if content.startswith(ZIP):
        guard.check_xlsx(content)
        sheets = _workbook_sheets(content)
    elif content.startswith(OLE2):
        guard.check_ole2(content)
        sheets = _workbook_sheets(content)
    elif content.startswith(NOT_SPREADSHEETS):
        raise RosterFileError(NOT_A_SPREADSHEET)
    else:
        sheets = [_csv_rows(content)]
    return _find_table(sheets)


def _workbook_sheets(content: bytes) -> list[list[list[Any]]]:
    try:
        book = CalamineWorkbook.from_object(io.BytesIO(content))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.typ == SheetTypeEnum.WorkSheet:
                # Absolute positions (not skipping empty leading rows/columns): row numbers in
                # messages are the spreadsheet's own.
                sheets.append(book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
        return sheets
    except PasswordError:
        raise RosterFileError(PASSWORD) from None
    except (CalamineError, ValueError, OverflowError) as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise RosterFileError(PASSWORD) from None
        raise RosterFileError(DAMAGED) from None


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterFileError(ENCODING) from None
    if b"\x00" in content[:8192]:
        raise RosterFileError(NOT_A_SPREADSHEET)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(content[: 1024 * 1024]).best()
    if best is not None:
        try:
            return content.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    raise RosterFileError(ENCODING)


def _csv_rows(content: bytes) -> list[list[Any]]:
    text = _decode(content)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            # The same bounds as a workbook's extent (guard.py), checked as the lines come.
            guard.check_extent(len(rows) + 1, len(row) if any(row[guard.MAX_COLUMNS:]) else 0)
            rows.append(row[: guard.MAX_COLUMNS])
    except csv.Error:
        raise RosterFileError(NOT_A_SPREADSHEET) from None
    return rows


def _header_key(value: Any) -> str:
    key = "".join(plain_text(value).split())
    return cols.ALIASES.get(key, key)


def _find_table(sheets: list[list[list[Any]]]) -> Table:
    """The first sheet whose header row (row 1, or a row under a title) has the required columns."""
    best: tuple[int, int, list[str]] | None = None  # (known headers, row number, missing)
    for sheet in sheets:
        for index, row in enumerate(sheet[:HEADER_SEARCH_ROWS]):
            keys = [_header_key(cell) for cell in row]
            missing = [c for c in cols.REQUIRED if c not in keys]
            known = sum(1 for k in keys if k in cols.COLUMNS)
            if not missing:
                return _table(sheet, index, keys, row)
            if known and (best is None or known > best[0]):
                best = (known, index + 1, missing)
    if best is None:
        raise RosterFileError(
            "表格里没有找到名册的列名（" + "、".join(cols.REQUIRED) + "……）。请使用名册模板，第 1 行写列名。"
        )
    raise RosterFileError(f"表格第 {best[1]} 行缺少这些列：{'、'.join(best[2])}。请使用名册模板的列名。")


def _table(sheet: list[list[Any]], header_index: int, keys: list[str], header: list[Any]) -> Table:
    headers: dict[str, int] = {}
    extra: list[str] = []
    for position, key in enumerate(keys):
        if not key:
            continue
        if key in cols.COLUMNS:
            if key in headers:
                raise RosterFileError(
                    f"「{key}」这一列出现了两次（第 {headers[key] + 1} 列和第 {position + 1} 列），请删去一列。"
                )
            headers[key] = position
        elif clean_text(header[position]) not in extra:
            extra.append(clean_text(header[position]))
    table = Table(headers, extra)
    _, max_rows = cols.limits()
    for index in range(header_index + 1, len(sheet)):
        cells = sheet[index]
        if all(clean_text(cell) == "" for cell in cells):
            continue  # an empty row in the middle or at the end
        if len(table.rows) >= max_rows:
            raise RosterFileError(too_many_rows(max_rows))
        table.rows.append((index + 1, cells))
    if not table.rows:
        raise RosterFileError("表格里只有列名，没有居民。请填好名册后再导入。")
    return table
