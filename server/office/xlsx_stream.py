"""An XLSX workbook written as a stream: bytes come out while rows go in, memory stays flat.

openpyxl (even write-only) only writes the package once every row is in, so the client would
wait for the whole file. Here openpyxl still makes every part of the package — content types,
styles, the sheet's bold and frozen header, filter row and column widths — from a small
workbook, and only the data rows are added, in the same cell form openpyxl writes (inline
strings; times and dates as numbers with the date styles openpyxl registered for a sample row
that is then dropped), inside a zip entry that is compressed and handed out as it grows (a zip
written to an unseekable stream carries its sizes after each entry, which Excel and openpyxl
read). The filter row's range, known only at the end, is written into the sheet's tail and into
the workbook part, which therefore comes last.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

SHEET = "xl/worksheets/sheet1.xml"
WORKBOOK = "xl/workbook.xml"
# How the workbook shows a time and a date (WPS and Excel both read these built-in-like codes).
TIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


class _Sink:
    """What the zip writes into: kept until the next drain, never seekable."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def _template(title: str, headers: Sequence[str], widths: Sequence[tuple[str, float]]) -> dict[str, bytes]:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # A sample row, so the styles part holds the time and date formats (read back, then dropped).
    sheet.append([datetime(2000, 1, 1), date(2000, 1, 1), "a\nb"])
    sheet["A2"].number_format, sheet["B2"].number_format = TIME_FORMAT, DATE_FORMAT
    sheet["C2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
    for letter, width in widths:
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as package:
        return {name: package.read(name) for name in package.namelist()}


def _sample_styles(sheet: bytes) -> tuple[bytes, dict[str, str]]:
    """The sheet without its sample row, and the style ids of the sample's time, date and
    wrapped text (a text of several lines shows them only when wrapped)."""
    sample = re.search(rb'<row r="2"[^>]*>.*?</row>', sheet, re.S)
    assert sample is not None
    styles = [s.decode() for s in re.findall(rb'<c r="[ABC]2"[^>]*? s="(\d+)"', sample.group(0))]
    return sheet.replace(sample.group(0), b""), dict(zip(("time", "date", "lines"), styles))


def _cell(ref: str, value: Any, styles: dict[str, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (datetime, date)):
        # A real date cell: the serial day number, shown by its style (sortable, filterable).
        style = styles["time"] if isinstance(value, datetime) else styles["date"]
        return f'<c r="{ref}" s="{style}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
        if "\n" in text:
            return f'<c r="{ref}" s="{styles["lines"]}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
        # Always an inline string, so "=..." typed by a leader is text, never a formula.
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
    return f'<c r="{ref}" t="n"><v>{value}</v></c>'


@dataclass(frozen=True)
class XlsxStart:
    """How a workbook begins: the package openpyxl made (the styles, the header row…) and the
    time written on every zip entry. Two streams from the same start begin with the same bytes,
    so one process can send the head while another goes on with the rows (office/export_job)."""

    parts: dict[str, bytes]
    stamp: tuple[int, ...]  # year, month, day, hour, minute, second (a zip entry's time)


def xlsx_start(title: str, headers: Sequence[str], widths: Sequence[tuple[str, float]] = ()) -> XlsxStart:
    return XlsxStart(_template(title, headers, widths), tuple(time.localtime()[:6]))


class XlsxStream:
    """add(rows) and close() return the next bytes of the file (possibly empty)."""

    def __init__(
        self, title: str, headers: Sequence[str], widths: Sequence[tuple[str, float]] = (), start: XlsxStart | None = None
    ) -> None:
        start = start or xlsx_start(title, headers, widths)
        self._stamp = start.stamp
        parts = dict(start.parts)
        sheet = re.sub(rb"<dimension [^>]*/>", b"", parts.pop(SHEET))  # the size is not known yet
        sheet, self._styles = _sample_styles(sheet)
        self._workbook = parts.pop(WORKBOOK)
        self._last = get_column_letter(len(headers))
        head, self._tail = sheet.split(b"</sheetData>", 1)
        self._tail = b"</sheetData>" + self._tail
        self._letters = [get_column_letter(i + 1) for i in range(len(headers))]
        self._row = 1  # the header is row 1
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED)
        for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
            self._zip.writestr(self._entry(name), parts[name])
        self._sheet = self._zip.open(self._entry(SHEET), "w")
        self._sheet.write(head)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        # What ZipFile.writestr(name) would make, but at the start's time instead of now.
        entry = zipfile.ZipInfo(name, date_time=self._stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        return entry

    def head(self) -> bytes:
        return self._sink.drain()

    def add(self, rows: Sequence[Sequence[Any]]) -> bytes:
        xml = []
        for row in rows:
            self._row += 1
            n = self._row
            cells = "".join(
                _cell(f"{letter}{n}", value, self._styles)
                for letter, value in zip(self._letters, row)
            )
            xml.append(f'<row r="{n}">{cells}</row>')
        self._sheet.write("".join(xml).encode("utf-8"))
        return self._sink.drain()

    def close(self) -> bytes:
        # The filter row covers every row written (Excel filters only inside this range).
        header_only, whole = f"A1:{self._last}1".encode(), f"A1:{self._last}{self._row}".encode()
        self._sheet.write(self._tail.replace(header_only, whole))
        self._sheet.close()
        self._zip.writestr(self._entry(WORKBOOK), self._workbook.replace(b"$A$1:$" + self._last.encode() + b"$1",
                                                            f"$A$1:${self._last}${self._row}".encode()))
        self._zip.close()
        return self._sink.drain()
