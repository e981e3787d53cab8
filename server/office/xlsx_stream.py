"""An XLSX workbook written as a stream: bytes come out while rows go in, memory stays flat.

openpyxl (even write-only) only writes the package once every row is in, so the client would
wait for the whole file. Here openpyxl still makes every part of the package — content types,
styles, the sheet's frozen header and column widths — from a one-row workbook, and only the
data rows are added, in the same cell form openpyxl writes (inline strings), inside a zip
entry that is compressed and handed out as it grows (a zip written to an unseekable stream
carries its sizes after each entry, which Excel and openpyxl read).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

SHEET = "xl/worksheets/sheet1.xml"


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
    sheet.freeze_panes = "A2"
    for letter, width in widths:
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as package:
        return {name: package.read(name) for name in package.namelist()}


def _cell(ref: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        # Always an inline string, so "=..." typed by a leader is text, never a formula.
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
    return f'<c r="{ref}" t="n"><v>{value}</v></c>'


class XlsxStream:
    """add(rows) and close() return the next bytes of the file (possibly empty)."""

    def __init__(self, title: str, headers: Sequence[str], widths: Sequence[tuple[str, float]] = ()) -> None:
        parts = _template(title, headers, widths)
        sheet = re.sub(rb"<dimension [^>]*/>", b"", parts.pop(SHEET))  # the size is not known yet
        head, self._tail = sheet.split(b"</sheetData>", 1)
        self._tail = b"</sheetData>" + self._tail
        self._letters = [get_column_letter(i + 1) for i in range(len(headers))]
        self._row = 1  # the header is row 1
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED)
        for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
            self._zip.writestr(name, parts[name])
        self._sheet = self._zip.open(SHEET, "w")
        self._sheet.write(head)

    def head(self) -> bytes:
        return self._sink.drain()

    def add(self, rows: Sequence[Sequence[Any]]) -> bytes:
        xml = []
        for row in rows:
            self._row += 1
            n = self._row
            cells = "".join(_cell(f"{letter}{n}", value) for letter, value in zip(self._letters, row))
            xml.append(f'<row r="{n}">{cells}</row>')
        self._sheet.write("".join(xml).encode("utf-8"))
        return self._sink.drain()

    def close(self) -> bytes:
        self._sheet.write(self._tail)
        self._sheet.close()
        self._zip.close()
        return self._sink.drain()
