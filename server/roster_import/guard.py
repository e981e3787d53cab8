"""Checks a workbook before python-calamine opens it: a file that would unpack or spread out to
gigabytes (a zip bomb, one cell far down and to the right) or is encrypted is refused first.

calamine allocates every cell between A1 and the last used one; past memory it aborts the
process, so the last row and column are found here from the file's own cell records.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import olefile

from server.roster_import import columns as cols
from server.roster_import.report import RosterFileError

MAX_UNPACKED = 100 * 1024 * 1024  # a roster of MAX_ROWS rows unpacks to well under this
MAX_RATIO = 200  # deflate of real sheet XML stays far below; a run of zeros reaches ~1000
MAX_COLUMNS = 100  # a roster has a dozen; extra columns are fine, a cell in column XFD is not
SPARE_ROWS = 1000  # empty rows and title rows on top of MAX_ROWS

PASSWORD = "文件设置了密码，系统打不开。请在 Excel 或 WPS 里去掉密码后另存，再导入。"
NOT_A_SPREADSHEET = ("这个文件不是 Excel 表格或 CSV 文件（可能是改了扩展名的图片、PDF 或其他文件）。"
                     "请在 Excel 或 WPS 里另存为 .xlsx 后再导入。")
DAMAGED = "文件已损坏，读不出来。请在 Excel 或 WPS 里打开后重新另存为 .xlsx，再导入。"
BOMB = ("文件解压后异常巨大，可能已损坏，也可能不是正常的表格，系统拒绝读取。"
        "请在 Excel 或 WPS 里打开后重新另存为 .xlsx，再导入。")

# A row or cell start tag (any namespace prefix), with its attributes.
XML_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
XML_REF = re.compile(rb'\br="([A-Z]{0,3})([0-9]{1,7})"')
# BIFF8 records that place a cell with content: their data starts with (row, column). BLANK and
# MULBLANK (formatted empty cells) are left out, as calamine leaves them out of the sheet.
BIFF_CELLS = {0x0006, 0x00BD, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x0406, 0x00D6}
BIFF_MULTI = {0x00BD}  # MULRK ends with its last column
BIFF_FILEPASS = 0x002F


def too_many_rows(max_rows: int) -> str:
    return f"表格超过 {max_rows:,} 行，太多了。请分成几个文件导入。"


def check_extent(last_row: int, last_column: int) -> None:
    _, max_rows = cols.limits()
    if last_row > max_rows + SPARE_ROWS:
        raise RosterFileError(too_many_rows(max_rows))
    if last_column > MAX_COLUMNS:
        raise RosterFileError(
            f"表格用到了第 {last_column:,} 列，太宽了（最多 {MAX_COLUMNS} 列）。请删去右边多余的列后另存，再导入。"
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


class _SheetExtent:
    """The last row and column a worksheet's XML uses, fed chunk by chunk as it is unpacked."""

    def __init__(self) -> None:
        self.rest = b""
        self.row = self.column = self.last_row = self.last_column = 0

    def feed(self, chunk: bytes) -> None:
        data = self.rest + chunk
        cut = data.rfind(b"<")  # a tag may continue in the next chunk
        data, self.rest = (data[:cut], data[cut:]) if cut != -1 else (data, b"")
        for match in XML_TAG.finditer(data):
            attributes = match.group(2)
            ref = XML_REF.search(attributes)
            if match.group(1) == b"row":  # a row without r= follows the previous one
                self.row = int(ref.group(2)) if ref else self.row + 1
                self.column = 0
                continue
            if ref and ref.group(1):
                self.column, self.row = _column_number(ref.group(1)), int(ref.group(2))
            else:
                self.column += 1
            # Only a cell with content counts: calamine skips empty ones (a formatted column,
            # WPS's empty rows), and so may a roster.
            if not attributes.endswith(b"/"):
                self.last_column = max(self.last_column, self.column)
                self.last_row = max(self.last_row, self.row)
        if len(self.rest) > 1024 * 1024:  # no tag is this long
            raise RosterFileError(DAMAGED)


def check_xlsx(content: bytes) -> None:
    """Refuse a zip bomb before calamine unpacks it: declared sizes first, then the real ones."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError(DAMAGED) from None
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise RosterFileError(NOT_A_SPREADSHEET)  # a .docx, a .zip, an .ods or .xlsb: save as .xlsx
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED or any(
        entry.file_size > 1024 * 1024 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        for entry in entries
    ):
        raise RosterFileError(BOMB)
    # The declared sizes may lie: unpack each entry, never past what it declared (zipfile stops
    # there), and let the CRC check tell whether the data really ends there.
    try:
        for entry in entries:
            sheet = _SheetExtent() if entry.filename.startswith("xl/worksheets/") else None
            with archive.open(entry) as stream:
                while chunk := stream.read(1024 * 1024):
                    if sheet:
                        sheet.feed(chunk)
            if sheet:
                check_extent(sheet.last_row, sheet.last_column)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise RosterFileError(DAMAGED) from None
    except RuntimeError:  # zipfile's word for an encrypted entry
        raise RosterFileError(PASSWORD) from None


def check_ole2(content: bytes) -> None:
    """An encrypted .xlsx is an OLE2 file holding EncryptedPackage; an .xls is one holding Workbook."""
    try:
        ole = olefile.OleFileIO(content)
    except (OSError, ValueError, struct.error, IndexError):
        raise RosterFileError(DAMAGED) from None
    try:
        if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
            raise RosterFileError(PASSWORD)
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            raise RosterFileError(NOT_A_SPREADSHEET)  # a .doc or .ppt renamed
        data = ole.openstream(name).read()
    except (OSError, ValueError, struct.error, IndexError):
        raise RosterFileError(DAMAGED) from None
    finally:
        ole.close()
    last_row = last_column = 0
    position = 0
    while position + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, position)
        body = data[position + 4: position + 4 + length]
        position += 4 + length
        if kind == BIFF_FILEPASS:
            raise RosterFileError(PASSWORD)
        if kind in BIFF_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            if kind in BIFF_MULTI and len(body) >= 6:
                column = struct.unpack_from("<H", body, len(body) - 2)[0]
            last_row, last_column = max(last_row, row + 1), max(last_column, column + 1)
    check_extent(last_row, last_column)
