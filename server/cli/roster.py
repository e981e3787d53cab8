"""The roster from and to spreadsheets, on the command line (all or nothing, like the office page)."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.cli.common import find_community, refuse, with_db
from server.settings import Settings


async def import_roster(settings: Settings, args: argparse.Namespace) -> int:
    from tortoise.exceptions import OperationalError

    from server.roster_import import (
        RosterFileError,
        import_roster,
        preview_lines,
        preview_roster,
    )

    try:
        content = Path(args.file).read_bytes()
    except OSError as exc:
        return refuse(f"读不到文件 / cannot read {args.file}: {exc.strerror}")

    async def run() -> int:
        community = await find_community(args.community)
        if community is None:
            return refuse(f"找不到居委会“{args.community}”，请检查名称。/ no such community")
        name = Path(args.file).name
        try:
            if args.dry_run:
                preview = await preview_roster(community, content, name, mark_missing_moved=args.mark_missing_moved)
            else:
                preview = await import_roster(community, content, name, mark_missing_moved=args.mark_missing_moved)
        except RosterFileError as exc:
            return refuse(f"文件不能导入，什么也没有写入 / the file is refused, nothing written: {exc}")
        except OperationalError as exc:  # e.g. SQLite busy with the running server's write: rolled back
            return refuse(f"数据库忙或出错，什么也没有写入，请稍后再试 / database busy, nothing written: {exc}")
        print("\n".join(preview_lines(preview)), flush=True)
        if not preview.ok:
            return refuse("有问题的行要先改好，这次什么也没有写入 / fix the rows above: nothing was written")
        print("预览，没有写入 / dry run, nothing written" if args.dry_run else "已导入 / imported", flush=True)
        return 0

    return await with_db(settings, run)


async def export_roster(settings: Settings, args: argparse.Namespace) -> int:
    from server.roster_import import export_roster

    async def run() -> int:
        community = await find_community(args.community)
        if community is None:
            return refuse(f"找不到居委会“{args.community}”，请检查名称。/ no such community")
        content = await export_roster(community)
        try:
            with open(args.file, "wb") as out:
                out.write(content)
        except OSError as exc:
            return refuse(f"写不了文件 / cannot write {args.file}: {exc.strerror}")
        print(f"已导出名册 / roster exported: {args.file}", flush=True)
        return 0

    return await with_db(settings, run)


def roster_template(args: argparse.Namespace) -> int:
    from server.roster_import import roster_template

    try:
        Path(args.file).write_bytes(roster_template())
    except OSError as exc:
        return refuse(f"写不了文件 / cannot write {args.file}: {exc.strerror}")
    print(f"已写入名册模板 / roster template written: {args.file}", flush=True)
    return 0
