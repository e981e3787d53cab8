"""Roster import: a committee's spreadsheet of groups, households and residents, previewed, then applied.

The interface the office pages and the CLI use (agreed in notes/import-interface.md):
read_table (reader.py) -> read_rows (rows.py) -> make_plan against the store (plan.py) -> apply_plan
(apply.py); roster_template / export_roster (workbook.py) write the same columns.

What a cell means when an existing resident, household or group is imported again:
- 楼组名称, 联系电话, 备注: an empty cell leaves the stored value alone (a file from elsewhere, or
  with a column left blank, never wipes phones or notes); the word 无 clears 联系电话 / 备注.
  After export -> edit -> import, a deleted phone stays; write 无 to remove it.
- 关怀标记 is the resident's whole list when the column is in the file: an empty cell (or 无) means
  no flags, so removing 独居 in WPS removes it here. Without the column, flags stay as stored.
- 性别 is required and updated when it differs. 姓名 and 出生年份 identify the person: a corrected
  spelling is a new resident (correct names on the resident's page instead).
- A resident stored as moved (迁出) who is in the file is active again; one stored as deceased is a
  row problem (the file is probably out of date). A resident missing from the file is left alone
  unless mark_missing_moved; then marked moved, never deleted.
- 楼组长账号 only adds: a missing account is created (role leader, no usable password: the leader
  signs in with a printed card), an existing leader of this committee is given the group; nobody
  is taken off a group by an import. An account of another committee or role is a row problem.
"""

from __future__ import annotations

import hashlib

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import audit
from server.models import Community, User
from server.roster_import.apply import apply_plan
from server.roster_import.columns import COLUMNS, MAX_BYTES, MAX_ROWS
from server.roster_import.plan import load_store, make_plan
from server.roster_import.reader import read_table
from server.roster_import.report import (
    CHANGES_SHOWN, Counts, RosterFileError, RosterPreview, RowProblem, preview_lines,
)
from server.roster_import.rows import RosterRow, read_rows
from server.roster_import.workbook import export_roster, roster_template

__all__ = [
    "COLUMNS", "MAX_BYTES", "MAX_ROWS", "Counts", "RosterFileError", "RosterPreview", "RowProblem",
    "export_roster", "import_roster", "preview_lines", "preview_roster", "roster_template",
]


def _read(content: bytes, filename: str) -> tuple[list[RosterRow], RosterPreview]:
    table = read_table(content, filename)
    rows, problems = read_rows(table)
    return rows, RosterPreview(filename, len(table.rows), table.extra_columns, problems)


def _usernames(rows: list[RosterRow]) -> set[str]:
    return {username for row in rows for username, _ in row.leaders}


async def preview_roster(community: Community, content: bytes, filename: str, *,
                         mark_missing_moved: bool = False) -> RosterPreview:
    """What importing this file would change; writes nothing. Raises RosterFileError."""
    rows, preview = _read(content, filename)
    store = await load_store(community.id, _usernames(rows))
    plan = make_plan(rows, store, community.id, preview, mark_missing_moved)
    preview.changes = plan.lines[:CHANGES_SHOWN]
    return preview


async def import_roster(community: Community, content: bytes, filename: str, *, mark_missing_moved: bool = False,
                        actor: User | None = None) -> RosterPreview:
    """Preview; when no row has a problem, apply it all in one transaction with one audit event.

    With problems nothing is written and the preview comes back with imported=False.
    """
    rows, preview = _read(content, filename)
    try:
        async with in_transaction():
            # Two imports into one committee at once would both create the same households:
            # the second waits for the first (PostgreSQL; SQLite runs one transaction at a time).
            await Community.filter(id=community.id).select_for_update().first()
            store = await load_store(community.id, _usernames(rows))
            plan = make_plan(rows, store, community.id, preview, mark_missing_moved)
            preview.changes = plan.lines[:CHANGES_SHOWN]
            if not preview.ok:
                return preview
            await apply_plan(community.id, plan, store)
            await audit.record(
                None, "roster_imported", actor=actor, target_type="community", target_id=community.id,
                **({} if actor else {"community_id": community.id}),
                filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(), rows=preview.rows,
                groups=preview.groups.as_dict(), households=preview.households.as_dict(),
                residents=preview.residents.as_dict(), leaders=preview.leaders.as_dict(),
                moved_out=preview.moved_out, mark_missing_moved=mark_missing_moved, changes=preview.change_count,
            )
    except IntegrityError:  # an account or row made by someone else between reading and writing
        raise RosterFileError("名册刚被别人同时修改了，这次没有导入任何内容。请重新导入。") from None
    preview.imported = True
    return preview
