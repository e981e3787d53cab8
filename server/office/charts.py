"""Horizontal bar charts as plain geometry for an SVG template: no JS, readable in print.

Every bar carries its label and its value as text, so the chart reads without colour.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_WIDTH = 170
VALUE_GAP = 8
VALUE_WIDTH = 60
BAR_AREA = 360


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_y: int


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    translate: bool = False  # labels are msgids to pass through _() (kinds, statuses)
    label_width: int = LABEL_WIDTH
    value_gap: int = VALUE_GAP
    bar_height: int = BAR_HEIGHT


def bar_chart(title: str, rows: list[tuple[str, int]], translate: bool = False) -> BarChart:
    """`rows` are (label, value); bar lengths scale to the largest value."""
    top = max((value for _, value in rows), default=0)
    bars = []
    for index, (label, value) in enumerate(rows):
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        width = round(BAR_AREA * value / top) if top else 0
        bars.append(Bar(label, value, y, max(width, 1 if value else 0), y + BAR_HEIGHT // 2 + 5))
    return BarChart(
        title=title, bars=bars, width=LABEL_WIDTH + BAR_AREA + VALUE_GAP + VALUE_WIDTH,
        height=max(ROW_HEIGHT, len(rows) * ROW_HEIGHT), translate=translate,
    )
