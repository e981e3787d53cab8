"""Table rows -> roster rows: each cell checked, then the checks across rows (the same person twice,
one household under two groups, two names for one group).

Empty optional cells mean "leave the stored value alone" (None here); 关怀标记 is the resident's
whole list when its column is in the file. See __init__ for why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.core import limits
from server.roster_import import cells
from server.roster_import import columns as cols
from server.roster_import.cells import full_address, split_address
from server.roster_import.reader import Table
from server.roster_import.report import RowProblem


@dataclass
class RosterRow:
    row: int  # the spreadsheet's row number
    group: int
    group_name: str | None
    base: str  # 地址 without the room
    room: str
    name: str
    gender: str  # M / F
    birth_year: int
    phone: str | None  # None: leave alone; "": clear
    care_flags: list[str] | None  # None: the column is not in the file
    notes: str | None  # None: leave alone; "": clear
    leaders: list[tuple[str, str]]  # (username, display name or "")

    @property
    def household_key(self) -> tuple[str, str]:
        return (self.base, self.room)

    @property
    def address(self) -> str:
        return full_address(self.base, self.room)

    @property
    def person_key(self) -> tuple[str, str, str, int]:
        return (self.base, self.room, self.name, self.birth_year)


class _Row:
    """Reads one table row cell by cell, collecting every cell's problem."""

    def __init__(self, number: int, cells_: list[Any], headers: dict[str, int], problems: list[RowProblem]):
        self.number, self.cells, self.headers, self.problems = number, cells_, headers, problems
        self.bad = False

    def raw(self, column: str) -> Any:
        index = self.headers.get(column)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def read(self, column: str, parse, *args, **kwargs) -> Any:
        try:
            return parse(self.raw(column), *args, **kwargs)
        except cells.CellError as exc:
            self.problem(column, f"第 {self.number} 行「{column}」{exc}")
            return None

    def problem(self, column: str, message: str) -> None:
        self.bad = True
        self.problems.append(RowProblem(self.number, column, message))


def _leaders(row: _Row) -> list[tuple[str, str]]:
    usernames = row.read(cols.LEADER_ACCOUNT, cells.usernames)
    if usernames is None:
        return []  # the account cell's own problem is reported
    names = cells.names_list(row.raw(cols.LEADER_NAME))
    if names and not usernames:
        row.problem(cols.LEADER_ACCOUNT, f"第 {row.number} 行写了「楼组长」，还要写「楼组长账号」（登录用的账号名）。")
    elif names and len(names) != len(usernames):
        row.problem(cols.LEADER_NAME, f"第 {row.number} 行「楼组长」写了 {len(names)} 个人，「楼组长账号」写了"
                                      f" {len(usernames)} 个账号，要一一对应。")
    elif any(len(name) > limits.MAX_DISPLAY_NAME_CHARS for name in names):
        row.problem(cols.LEADER_NAME, f"第 {row.number} 行「楼组长」的名字太长了，最多 {limits.MAX_DISPLAY_NAME_CHARS} 个字。")
    return [(u, names[i] if i < len(names) else "") for i, u in enumerate(usernames)]


def _read_row(number: int, raw: list[Any], headers: dict[str, int], problems: list[RowProblem]) -> RosterRow | None:
    row = _Row(number, raw, headers, problems)
    group = row.read(cols.GROUP, cells.group_number)
    group_name = row.read(cols.GROUP_NAME, cells.optional_text, limits.MAX_GROUP_NAME_CHARS)
    room = row.read(cols.ROOM, cells.room)
    base = row.read(cols.ADDRESS, cells.required_text, limits.MAX_ADDRESS_CHARS, squeeze=True)
    if base is not None and room:
        base = split_address(base, room)  # 地址 written with the room already in it
        if len(full_address(base, room)) > limits.MAX_ADDRESS_CHARS:
            row.problem(cols.ADDRESS, f"第 {number} 行的「地址」加「室号」太长了，最多 {limits.MAX_ADDRESS_CHARS} 个字。")
    name = row.read(cols.NAME, cells.person_name)
    gender = row.read(cols.GENDER, cells.gender)
    birth_year = row.read(cols.BIRTH_YEAR, cells.birth_year)
    phone = row.read(cols.PHONE, cells.phone)
    flags = row.read(cols.CARE_FLAGS, cells.care_flags) if cols.CARE_FLAGS in headers else None
    notes = row.read(cols.NOTES, cells.optional_text, 2000)
    leaders = _leaders(row)
    if row.bad:
        return None
    return RosterRow(number, group, group_name if group_name else None, base, room, name, gender, birth_year,
                     phone, flags, notes, leaders)


def _first_wins(rows: list[RosterRow], key, value, column: str, problems: list[RowProblem], say) -> None:
    """Rows sharing `key` must agree on `value` (when they give one); a later one that differs is a problem."""
    seen: dict[Any, tuple[Any, int]] = {}
    for row in rows:
        v = value(row)
        if v is None:
            continue
        k = key(row)
        if k not in seen:
            seen[k] = (v, row.row)
        elif seen[k][0] != v:
            problems.append(RowProblem(row.row, column, say(row, seen[k][1], seen[k][0], v)))


def read_rows(table: Table) -> tuple[list[RosterRow], list[RowProblem]]:
    """Every good row, and every problem (cell by cell, then across rows), in row order."""
    problems: list[RowProblem] = []
    rows = [r for number, raw in table.rows if (r := _read_row(number, raw, table.headers, problems))]
    _first_wins(rows, lambda r: r.household_key, lambda r: r.group, cols.GROUP, problems,
                lambda r, first, a, b: f"第 {r.row} 行的住户 {r.address} 写在楼组 {b}，第 {first} 行写的是楼组 {a}；"
                                       "同一户只能属于一个楼组。")
    _first_wins(rows, lambda r: r.group, lambda r: r.group_name, cols.GROUP_NAME, problems,
                lambda r, first, a, b: f"第 {r.row} 行楼组 {r.group} 的「楼组名称」是「{b}」，第 {first} 行写的是「{a}」；"
                                       "同一个楼组要写同一个名称。")
    _first_wins(rows, lambda r: r.household_key, lambda r: r.notes, cols.NOTES, problems,
                lambda r, first, a, b: f"第 {r.row} 行住户 {r.address} 的「备注」和第 {first} 行不一样；"
                                       "同一户的备注要写得一样，或者只在一行写。")
    _first_wins(rows, lambda r: r.group, lambda r: tuple(sorted(u for u, _ in r.leaders)) or None,
                cols.LEADER_ACCOUNT, problems,
                lambda r, first, a, b: f"第 {r.row} 行楼组 {r.group} 的「楼组长账号」是 {'、'.join(b)}，第 {first} 行写的是"
                                       f" {'、'.join(a)}；同一个楼组要写同样的楼组长。")
    first_row: dict[tuple, int] = {}
    for row in rows:
        if row.person_key in first_row:
            problems.append(RowProblem(
                row.row, "", f"第 {row.row} 行和第 {first_row[row.person_key]} 行是同一个人（{row.name}，"
                             f"{row.birth_year} 年生，{row.address}），请删去其中一行。"
            ))
        else:
            first_row[row.person_key] = row.row
    problems.sort(key=lambda p: p.row)
    return rows, problems
