"""Spreadsheet bytes -> header and rows: .xlsx/.xls/.ods via python-calamine, CSV in UTF-8 or GB18030.

The format is told from the bytes, never from the file name, and every file is checked before a
reader library opens it: size, a zip's declared and real unpacked sizes (zip bombs), encryption.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

from server.roster_import import columns as cols
from server.roster_import.report import RosterFileError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
# Formats people rename to .xlsx by mistake; named so the message can say so.
NOT_SPREADSHEETS = (b"\x89PNG", b"%PDF", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BM")
# A roster of MAX_ROWS rows unpacks to well under this; a zip bomb does not.
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 200  # deflate of real sheet XML stays far below; a run of zeros reaches ~1000
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in committees' sheets

PASSWORD = "文件设置了密码，系统打不开。请在 Excel 或 WPS 里去掉密码后另存，再导入。"
NOT_A_SPREADSHEET = ("这个文件不是 Excel 表格或 CSV 文件（可能是改了扩展名的图片、PDF 或其他文件）。"
                     "请在 Excel 或 WPS 里另存为 .xlsx 后再导入。")
DAMAGED = "文件已损坏，读不出来。请在 Excel 或 WPS 里打开后重新另存为 .xlsx，再导入。"
BOMB = ("文件解压后异常巨大，可能已损坏，也可能不是正常的表格，系统拒绝读取。"
        "请在 Excel 或 WPS 里打开后重新另存为 .xlsx，再导入。")
ENCODING = "读不出这个 CSV 文件的文字编码。请用 Excel 或 WPS 另存为 .xlsx（或 UTF-8 编码的 CSV），再导入。"


@dataclass
class Table:
    headers: dict[str, int]  # template column -> index in each row
    extra_columns: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (spreadsheet row number, cells)


# Full-width digits, letters and spaces (a Chinese input method's) made ASCII; Chinese punctuation
# such as ， and （ is kept, so notes and names read back exactly as typed.
WIDE = {**{code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}, **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},
        **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)}, 0x3000: " ", 0xA0: " ", 0x200B: None, 0xFEFF: None}


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
    if len(content) > cols.MAX_BYTES:
        raise RosterFileError(
            f"文件太大了（{len(content) / 1024 / 1024:.1f} MB），最多 {cols.MAX_BYTES / 1024 / 1024:g} MB。"
            "请分成几个文件导入。"
        )
    if content.startswith(ZIP):
        _check_zip(content)
        sheets = _workbook_sheets(content)
    elif content.startswith(OLE2):
        # An encrypted .xlsx is an OLE2 container holding an "EncryptedPackage" stream: the
        # directory entry names it in UTF-16.
        if "EncryptedPackage".encode("utf-16-le") in content:
            raise RosterFileError(PASSWORD)
        sheets = _workbook_sheets(content)
    elif content.startswith(NOT_SPREADSHEETS):
        raise RosterFileError(NOT_A_SPREADSHEET)
    else:
        sheets = [_csv_rows(content)]
    return _find_table(sheets)


def _check_zip(content: bytes) -> None:
    """Refuse a zip bomb before calamine unpacks it: declared sizes first, then the real ones."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError(DAMAGED) from None
    names = {entry.filename for entry in entries}
    is_sheet = names & {"xl/workbook.xml", "xl/workbook.bin"} or (
        "content.xml" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:100]
        if "mimetype" in names else False
    )
    if not is_sheet:
        raise RosterFileError(NOT_A_SPREADSHEET)
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED or any(
        entry.file_size > 1024 * 1024 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        for entry in entries
    ):
        raise RosterFileError(BOMB)
    # The declared sizes may lie: unpack each entry, never past what it declared (zipfile stops
    # there), and let the CRC check tell whether the data really ends there.
    try:
        for entry in entries:
            with archive.open(entry) as stream:
                while stream.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise RosterFileError(DAMAGED) from None
    except RuntimeError:  # zipfile's word for an encrypted entry
        raise RosterFileError(PASSWORD) from None


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
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise RosterFileError(NOT_A_SPREADSHEET) from None


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
    for index in range(header_index + 1, len(sheet)):
        cells = sheet[index]
        if all(clean_text(cell) == "" for cell in cells):
            continue  # an empty row in the middle or at the end
        if len(table.rows) >= cols.MAX_ROWS:
            raise RosterFileError(f"表格超过 {cols.MAX_ROWS:,} 行，太多了。请分成几个文件导入。")
        table.rows.append((index + 1, cells))
    if not table.rows:
        raise RosterFileError("表格里只有列名，没有居民。请填好名册后再导入。")
    return table
