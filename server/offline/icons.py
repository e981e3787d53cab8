"""Draws the app icons (a white house on the app's blue) as PNG and SVG, with no image library.

Run `python -m server.offline.icons` after changing the drawing; the files are committed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from server.settings import WEB_DIR

ICONS_DIR = WEB_DIR / "static" / "icons"
BLUE = (0x0B, 0x4F, 0x9C)
WHITE = (0xFF, 0xFF, 0xFF)
# In units of the icon's side. Everything sits inside the central 80% circle, so the same
# image also serves as a "maskable" icon that launchers crop to a circle or squircle.
ROOF = ((0.5, 0.2), (0.2, 0.47), (0.8, 0.47))
BODY = (0.28, 0.45, 0.72, 0.78)
DOOR = (0.44, 0.6, 0.56, 0.78)
SIZES = (180, 192, 512)
SAMPLES = 4  # per axis, for smooth edges


def _in_triangle(x: float, y: float, tri) -> bool:
    (x1, y1), (x2, y2), (x3, y3) = tri

    def side(ax, ay, bx, by):
        return (x - bx) * (ay - by) - (ax - bx) * (y - by)

    d1, d2, d3 = side(x1, y1, x2, y2), side(x2, y2, x3, y3), side(x3, y3, x1, y1)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def _in_rect(x: float, y: float, rect) -> bool:
    return rect[0] <= x <= rect[2] and rect[1] <= y <= rect[3]


def _colour(x: float, y: float) -> tuple[int, int, int]:
    if _in_rect(x, y, DOOR):
        return BLUE
    if _in_triangle(x, y, ROOF) or _in_rect(x, y, BODY):
        return WHITE
    return BLUE


def png(size: int) -> bytes:
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type 0 for each scanline
        for px in range(size):
            total = [0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    c = _colour((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)
                    total[0] += c[0]
                    total[1] += c[1]
                    total[2] += c[2]
            row += bytes(v // (SAMPLES * SAMPLES) for v in total)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


def svg() -> str:
    def pt(v: float) -> str:
        return f"{v * 100:g}"

    roof = " ".join(f"{pt(x)},{pt(y)}" for x, y in ROOF)
    body = f'x="{pt(BODY[0])}" y="{pt(BODY[1])}" width="{pt(BODY[2] - BODY[0])}" height="{pt(BODY[3] - BODY[1])}"'
    door = f'x="{pt(DOOR[0])}" y="{pt(DOOR[1])}" width="{pt(DOOR[2] - DOOR[0])}" height="{pt(DOOR[3] - DOOR[1])}"'
    blue = "#%02x%02x%02x" % BLUE
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="18" fill="{blue}"/>'
        f'<polygon points="{roof}" fill="#fff"/><rect {body} fill="#fff"/><rect {door} fill="{blue}"/></svg>\n'
    )


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        Path(ICONS_DIR / f"icon-{size}.png").write_bytes(png(size))
    (ICONS_DIR / "icon.svg").write_text(svg(), encoding="utf-8")


if __name__ == "__main__":
    main()
