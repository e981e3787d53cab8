"""Writing the roster spreadsheet: the empty template (with a sheet explaining each column) and the
committee's roster in the same columns, so export -> edit in WPS -> import changes only what was edited."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from server.models import BuildingGroup, Community, Household, Resident, ResidentStatus, Role
from server.roster_import import cells
from server.roster_import import columns as cols

SHEET = "名册"
HELP_SHEET = "填写说明"
WIDTHS = {cols.GROUP: 7, cols.GROUP_NAME: 20, cols.ADDRESS: 22, cols.ROOM: 8, cols.NAME: 10, cols.GENDER: 6,
          cols.BIRTH_YEAR: 10, cols.PHONE: 16, cols.CARE_FLAGS: 18, cols.NOTES: 30, cols.LEADER_NAME: 10,
          cols.LEADER_ACCOUNT: 14}
# Typed into a cell formatted as text, 0503 or a long phone number stays as written.
TEXT_COLUMNS = (cols.ROOM, cols.PHONE, cols.LEADER_ACCOUNT)
TEMPLATE_TEXT_ROWS = 2000


def _letter(column: str) -> str:
    return chr(ord("A") + cols.COLUMNS.index(column))


def _header(sheet: Worksheet) -> None:
    sheet.title = SHEET
    sheet.append(list(cols.COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in WIDTHS.items():
        sheet.column_dimensions[_letter(column)].width = width


def _help(book: Workbook) -> None:
    sheet = book.create_sheet(HELP_SHEET)
    sheet.append(["列名", "是否必填", "填写说明", "例子"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in cols.EXPLANATIONS:
        sheet.append(list(row))
    sheet.append([])
    for line in (
        "第 1 行是列名，请不要改动；从第 2 行起每行写一位居民，同一户的几个人各占一行。",
        "同一户（地址和室号都一样）的人按「姓名」和「出生年份」认人：重复导入同一个表格，什么也不会变。",
        "表格里没有的居民不会被删除；导入时勾选「名单里没有的居民标记为迁出」才会标记为迁出，走访记录都保留。",
        "可以多出别的列（例如身份备注），导入时会跳过并列出来。",
    ):
        sheet.append([line])
    for letter, width in (("A", 12), ("B", 10), ("C", 80), ("D", 20)):
        sheet.column_dimensions[letter].width = width
    for cells_ in sheet.iter_rows(min_row=2):
        for cell in cells_:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_template() -> bytes:
    """The .xlsx template: sheet 1 the headers, sheet 2 what goes in each column."""
    book = Workbook()
    sheet = book.active
    _header(sheet)
    for column in TEXT_COLUMNS:
        for row in range(2, TEMPLATE_TEXT_ROWS + 2):
            sheet[f"{_letter(column)}{row}"].number_format = "@"
    _help(book)
    return _save(book)


def _natural(text: str) -> tuple:
    """天山路680弄16号503室 before 天山路680弄16号1203室: numbers compared as numbers."""
    return tuple((0, int(part), "") if part.isdecimal() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def _cell(value: Any) -> Any:
    # Control characters are not allowed in XLSX cells; everything else is kept as stored. An
    # empty cell is left out of the file altogether (half the roster's cells: a faster export).
    if value == "":
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


async def export_rows(community_id: int) -> list[list[Any]]:
    """The active residents as template rows, by group, household and age."""
    groups = {g["id"]: g for g in await BuildingGroup.filter(community_id=community_id).values("id", "number", "name")}
    households = {h["id"]: h for h in await Household.filter(community_id=community_id).values(
        "id", "building_group_id", "address", "room", "visitor_notes")}
    residents = await Resident.filter(community_id=community_id, status=ResidentStatus.ACTIVE).values(
        "id", "household_id", "name", "gender", "birth_year", "phone", "care_flags")
    leaders: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for group_id, username, display_name, role in await BuildingGroup.filter(
        community_id=community_id, leaders__community_id=community_id
    ).values_list("id", "leaders__username", "leaders__display_name", "leaders__role"):
        if role == Role.LEADER:
            leaders[group_id].append((username, display_name))

    def order(r: dict) -> tuple:
        h = households[r["household_id"]]
        return (groups[h["building_group_id"]]["number"], _natural(h["address"]), h["id"], r["birth_year"], r["id"])

    rows = []
    seen_groups, seen_households = set(), set()
    for r in sorted(residents, key=order):
        h = households[r["household_id"]]
        g = groups[h["building_group_id"]]
        # A group's name and leaders, and a household's notes, go on its first row only: editing
        # them is then one cell (the import reads them from any one row of the group / household).
        first_of_group, first_of_household = g["id"] not in seen_groups, h["id"] not in seen_households
        seen_groups.add(g["id"])
        seen_households.add(h["id"])
        group_leaders = sorted(leaders.get(g["id"], [])) if first_of_group else []
        rows.append([
            g["number"], g["name"] if first_of_group else "", cells.split_address(h["address"], h["room"], stored=True),
            h["room"], r["name"], {"M": "男", "F": "女"}.get(r["gender"], r["gender"]), r["birth_year"], r["phone"] or "",
            cells.flag_words(r["care_flags"]) if r["care_flags"] else "",
            (h["visitor_notes"] or "") if first_of_household else "",
            "、".join(name for _, name in group_leaders), "、".join(u for u, _ in group_leaders),
        ])
    return rows


async def export_roster(community: Community | int) -> bytes:
    """The committee's roster as .xlsx in the template's columns (export -> edit -> import)."""
    book = Workbook()
    sheet = book.active
    _header(sheet)
    for row in await export_rows(community if isinstance(community, int) else community.id):
        sheet.append([_cell(value) for value in row])
    for cells_ in sheet.iter_rows(min_row=2):
        for cell in cells_:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # a name starting with "=" stays text, never a formula
    _help(book)
    return _save(book)
