"""Roster files built in the test itself: xlsx (openpyxl), xls (xlwt), CSV in several encodings,
and the files an import must refuse (a zip bomb, a password-protected workbook)."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from typing import Any

from server.roster_import import COLUMNS

HEADERS = list(COLUMNS[:10])  # the domain's ten columns; the leader columns are optional


def person(group=1, address="天山路680弄16号", room="503", name="张桂英", gender="女", year: Any = 1938,
           phone="", flags="", notes="", group_name="", leader="", account="") -> list[Any]:
    return [group, group_name, address, room, name, gender, year, phone, flags, notes, leader, account]


def table(rows: list[list[Any]], headers: list[str] | None = None) -> list[list[Any]]:
    headers = headers or list(COLUMNS)
    return [headers] + [row[: len(headers)] for row in rows]


def xlsx(rows: list[list[Any]], headers: list[str] | None = None, *, raw: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "名册"
    for row in rows if raw else table(rows, headers):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名册")
    for r, row in enumerate(table(rows, headers)):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", headers: list[str] | None = None,
              delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(table(rows, headers))
    return out.getvalue().encode(encoding)


def zip_bomb(unpacked: int = 24 * 1024 * 1024) -> bytes:
    """An "xlsx" whose sheet is a long run of zeros: a few hundred KB that unpack to `unpacked` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(chunk)):
                stream.write(chunk)
    return out.getvalue()


def lying_zip(real: bytes) -> bytes:
    """A valid xlsx whose sheet entry claims to unpack to far less than it does (a sneakier bomb)."""
    source = zipfile.ZipFile(io.BytesIO(real))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
    data = bytearray(out.getvalue())
    # Rewrite every "uncompressed size" field of the sheet's local and central headers to 10 bytes.
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at: start + name_at + len(name)] == name:
                data[start + size_at: start + size_at + 4] = struct.pack("<I", 10)
            start += 4
    return bytes(data)


def encrypted_office_file() -> bytes:
    """An OLE2 compound file holding EncryptionInfo and EncryptedPackage streams: the container
    Excel and WPS write for a password-protected .xlsx (the streams' content is filler here)."""
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * (4096 - 8)  # big streams: no mini stream needed
    package = struct.pack("<Q", 5000) + bytes(range(256)) * 16
    info_sectors, package_sectors = len(info) // sector, len(package) // sector
    # Sector 0: the FAT; 1: the directory; then EncryptionInfo, then EncryptedPackage.
    fat = [fat_sector, end]
    first_info = len(fat)
    fat += [first_info + i + 1 for i in range(info_sectors - 1)] + [end]
    first_package = len(fat)
    fat += [first_package + i + 1 for i in range(package_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child=free, right=free, start=end, size=0) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, child=1) + entry("EncryptionInfo", 2, right=2, start=first_info, size=len(info))
                 + entry("EncryptedPackage", 2, start=first_package, size=len(package)) + b"\0" * 128)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    assert len(header) == sector and len(directory) == sector
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + info + package
