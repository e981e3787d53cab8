"""Roster import: a committee's spreadsheet of groups, households and residents, previewed then applied.

The interface the office pages and the CLI use (see /work/notes/import-interface.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.models import Community, User

MAX_BYTES = 20 * 1024 * 1024  # larger files are refused (RosterFileError)
MAX_ROWS = 50_000

# The template's columns, in order (domain.md).
COLUMNS = ("楼组", "楼组名称", "地址", "室号", "姓名", "性别", "出生年份", "联系电话", "关怀标记", "备注",
           "楼组长", "楼组长账号")


class RosterFileError(Exception):
    """The whole file is refused; str(exc) is a complete Chinese sentence for an office worker."""


@dataclass
class RowProblem:
    row: int  # as the spreadsheet shows it: header is row 1, first data row 2
    column: str  # the template's header ("出生年份"), or "" for the whole row
    message: str  # complete Chinese sentence


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class RosterPreview:
    filename: str
    rows: int
    extra_columns: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    groups: Counts = field(default_factory=Counts)
    households: Counts = field(default_factory=Counts)
    residents: Counts = field(default_factory=Counts)
    leaders: Counts = field(default_factory=Counts)
    moved_out: int = 0
    missing: int = 0
    changes: list[str] = field(default_factory=list)
    imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def change_count(self) -> int:
        kinds = (self.groups, self.households, self.residents, self.leaders)
        return sum(c.created + c.updated for c in kinds) + self.moved_out


async def preview_roster(community: Community, content: bytes, filename: str, *,
                         mark_missing_moved: bool = False) -> RosterPreview:
    """What importing this file would change; writes nothing. Raises RosterFileError."""
    raise NotImplementedError  # filled in below in this branch


async def import_roster(community: Community, content: bytes, filename: str, *,
                        mark_missing_moved: bool = False, actor: User | None = None) -> RosterPreview:
    """Preview, and when no row has a problem apply it all in one transaction with one audit event."""
    raise NotImplementedError


def roster_template() -> bytes:
    """The .xlsx template: sheet 1 the headers, sheet 2 what goes in each column."""
    raise NotImplementedError


async def export_roster(community: Community) -> bytes:
    """The committee's roster as .xlsx in the template's columns (export -> edit -> import)."""
    raise NotImplementedError
