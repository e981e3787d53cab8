"""What an import found and would change (or changed): the preview the office and the CLI show."""

from __future__ import annotations

from dataclasses import dataclass, field

CHANGES_SHOWN = 200


class RosterFileError(Exception):
    """The whole file is refused: empty, too big, not a spreadsheet (renamed), password-protected,
    a zip bomb, unreadable encoding, no header row / required columns missing.
    str(exc) is a complete Chinese sentence for an office worker."""


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

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class RosterPreview:
    filename: str
    rows: int  # data rows read (empty rows skipped, not counted)
    extra_columns: list[str] = field(default_factory=list)  # ignored, named in the preview
    problems: list[RowProblem] = field(default_factory=list)
    groups: Counts = field(default_factory=Counts)
    households: Counts = field(default_factory=Counts)
    residents: Counts = field(default_factory=Counts)
    leaders: Counts = field(default_factory=Counts)  # accounts from the 楼组长 columns
    moved_out: int = 0  # residents that will be / were marked moved (only with mark_missing_moved)
    missing: int = 0  # active residents of the committee absent from the file
    changes: list[str] = field(default_factory=list)  # Chinese lines, the first CHANGES_SHOWN
    imported: bool = False  # True once written

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def change_count(self) -> int:
        """Everything the import writes; 0 is "0 项变化"."""
        kinds = (self.groups, self.households, self.residents, self.leaders)
        return sum(c.created + c.updated for c in kinds) + self.moved_out


def preview_lines(preview: RosterPreview) -> list[str]:
    """The preview as plain lines (the command line prints these)."""

    def counts(label: str, c: Counts) -> str:
        return f"{label}：新增 {c.created}，更新 {c.updated}，不变 {c.unchanged}"

    lines = [
        f"文件 / file：{preview.filename}，数据 {preview.rows} 行 / rows",
        counts("楼组 / groups", preview.groups),
        counts("住户 / households", preview.households),
        counts("居民 / residents", preview.residents),
        counts("楼组长账号 / leader accounts", preview.leaders),
        f"名单里没有的在住居民 / active residents not in the file：{preview.missing}"
        f"（标记迁出 / marked moved：{preview.moved_out}）",
    ]
    if preview.extra_columns:
        lines.append("多出的列，不导入 / extra columns, ignored：" + "、".join(preview.extra_columns))
    if preview.problems:
        lines.append(f"有问题的行 / problems：{len(preview.problems)}")
        lines += [f"  第 {p.row} 行｜{p.column or '整行'}｜{p.message}" for p in preview.problems]
    if preview.change_count:
        shown = f"（只列出前 {CHANGES_SHOWN} 项）" if preview.change_count > len(preview.changes) else ""
        lines.append(f"{preview.change_count} 项变化 / changes{shown}：")
        lines += [f"  {line}" for line in preview.changes]
    else:
        lines.append("0 项变化 / no changes")
    return lines
