"""`louzu` command: serve, migrate, demo, createcommunity, createuser, import-roster, export-roster,
roster-template, metrics, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from server import db
from server.settings import Settings, SettingsError, from_environment

# Exit code for "refused, and the message says why" (bad input, weak secret, missing store).
REFUSED = 2


def _settings(demo: bool = False) -> Settings:
    settings = from_environment()
    return settings.with_(demo=True) if demo else settings


def _describe(settings: Settings) -> str:
    url = settings.database_url
    if "@" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def _refuse(message: object) -> int:
    print(message, file=sys.stderr, flush=True)
    return REFUSED


async def _migrate(settings: Settings) -> None:
    print(f"迁移数据库 / migrating {_describe(settings)}", flush=True)
    try:
        await db.migrate(settings, progress=True)
    finally:
        # Tortoise's migrate leaves its connection open; an open aiosqlite thread would keep
        # the process from exiting.
        await db.close_db()


def _run_migrate(settings: Settings) -> int:
    from tortoise.exceptions import DBConnectionError, OperationalError

    from server.store.migration_state import NewerMigrationsError

    try:
        asyncio.run(_migrate(settings))
    except NewerMigrationsError as exc:
        return _refuse(exc)
    except (DBConnectionError, OperationalError, OSError) as exc:
        return _refuse(f"无法迁移数据库 / cannot migrate {_describe(settings)}: {exc}")
    return 0


async def _with_db(settings: Settings, action: Callable[[], Awaitable[int]]) -> int:
    """Run `action` with the store open; a store that is down or unmigrated gets a clear message."""
    from tortoise import Tortoise
    from tortoise.exceptions import DBConnectionError, OperationalError

    from server.models import Community
    from server.store.migration_state import NewerMigrationsError, migration_state

    try:
        try:
            await db.init_db(settings)
            await Community.exists()  # probe: fails on a store that is down or has no tables
            state = await migration_state(Tortoise.get_connection("default"))
            state.refuse_newer()  # this release's code would misread a newer release's tables
        except NewerMigrationsError as exc:
            return _refuse(exc)
        except (DBConnectionError, OperationalError, OSError) as exc:
            return _refuse(
                f"数据库不可用或尚未迁移（先运行 louzu migrate）/ the database is unreachable or not migrated"
                f" ({_describe(settings)}): {exc}"
            )
        if state.pending:
            return _refuse(
                "数据库尚未迁移到这个版本（先运行 louzu migrate）/ the database is not migrated to this release"
                f" (run `louzu migrate` first; pending: {', '.join(state.pending)})"
            )
        return await action()
    finally:
        await db.close_db()


async def _load_demo(settings: Settings) -> int:
    from server.demo import DemoError, load_demo

    async def load() -> int:
        from server.store.migration_lock import migration_lock

        try:
            # Under the migration lock: demo servers started together load it once, not twice.
            async with migration_lock(db.sqlite_file(settings)):
                summary = await load_demo(progress=True)
        except DemoError as exc:
            return _refuse(f"无法载入演示数据 / cannot load the demo: {exc}")
        print(
            f"演示居委 / demo committee: {summary.groups} 楼组 groups, {summary.households} 户 households,"
            f" {summary.residents} 居民 residents, {summary.visits} 走访 visits, {summary.users} 账号 accounts"
            f" ({summary.seconds:.1f} s)",
            flush=True,
        )
        return 0

    return await _with_db(settings, load)


async def _createcommunity(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts import AccountError, create_community

    async def create() -> int:
        try:
            community = await create_community(name=args.name, subdistrict=args.subdistrict)
        except AccountError as exc:
            return _refuse(f"无法创建居委会 / cannot create the community: {exc}")
        print(f"已创建居委会 / created community {community.name}（{community.subdistrict}）")
        return 0

    return await _with_db(settings, create)


def _password(settings: Settings, args: argparse.Namespace) -> str | None:
    if args.password or settings.account_password:
        return args.password or settings.account_password
    try:
        first = getpass.getpass("密码 / password: ")
        if sys.stdin.isatty() and getpass.getpass("再输一次 / again: ") != first:
            print("两次输入的密码不一致 / the passwords differ", file=sys.stderr)
            return None
        return first
    except (EOFError, KeyboardInterrupt):
        return None


async def _createuser(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts import AccountError, create_user

    if args.no_password:
        password = None  # a leader who signs in with a printed card (/admin/cards)
    elif (password := _password(settings, args)) is None:
        return _refuse("没有得到密码 / no password given (--password, LOUZU_PASSWORD or the prompt)")

    async def create() -> int:
        try:
            user = await create_user(
                username=args.username, display_name=args.display_name or args.username, role=args.role,
                password=password, community_name=args.community, building_groups=args.group or [],
                allow_weak=settings.demo,
            )
        except AccountError as exc:
            return _refuse(f"无法创建账号 / cannot create the account: {exc}")
        print(f"已创建 / created {user.username} ({user.role.value})")
        return 0

    return await _with_db(settings, create)


async def _community(name: str):
    from server.models import Community

    return await Community.get_or_none(name=name)


async def _import_roster(settings: Settings, args: argparse.Namespace) -> int:
    from tortoise.exceptions import OperationalError

    from server.roster_import import RosterFileError, import_roster, preview_lines, preview_roster

    try:
        content = Path(args.file).read_bytes()
    except OSError as exc:
        return _refuse(f"读不到文件 / cannot read {args.file}: {exc.strerror}")

    async def run() -> int:
        community = await _community(args.community)
        if community is None:
            return _refuse(f"找不到居委会“{args.community}”，请检查名称。/ no such community")
        name = Path(args.file).name
        try:
            if args.dry_run:
                preview = await preview_roster(community, content, name, mark_missing_moved=args.mark_missing_moved)
            else:
                preview = await import_roster(community, content, name, mark_missing_moved=args.mark_missing_moved)
        except RosterFileError as exc:
            return _refuse(f"文件不能导入，什么也没有写入 / the file is refused, nothing written: {exc}")
        except OperationalError as exc:  # e.g. SQLite busy with the running server's write: rolled back
            return _refuse(f"数据库忙或出错，什么也没有写入，请稍后再试 / database busy, nothing written: {exc}")
        print("\n".join(preview_lines(preview)), flush=True)
        if not preview.ok:
            return _refuse("有问题的行要先改好，这次什么也没有写入 / fix the rows above: nothing was written")
        print("预览，没有写入 / dry run, nothing written" if args.dry_run else "已导入 / imported", flush=True)
        return 0

    return await _with_db(settings, run)


async def _export_roster(settings: Settings, args: argparse.Namespace) -> int:
    from server.roster_import import export_roster

    async def run() -> int:
        community = await _community(args.community)
        if community is None:
            return _refuse(f"找不到居委会“{args.community}”，请检查名称。/ no such community")
        content = await export_roster(community)
        try:
            with open(args.file, "wb") as out:
                out.write(content)
        except OSError as exc:
            return _refuse(f"写不了文件 / cannot write {args.file}: {exc.strerror}")
        print(f"已导出名册 / roster exported: {args.file}", flush=True)
        return 0

    return await _with_db(settings, run)


async def _close_months(settings: Settings) -> int:
    """Closes last month's pack for every committee (a cron line on the 1st); a month already
    closed stays as it was. Viewing a month that is over closes it too."""
    from server.models import Community
    from server.monthly_pack.closing import close_month
    from server.office.dates import Month, today_shanghai

    async def run() -> int:
        today = today_shanghai()
        month = Month(today.year, today.month).previous()
        for community in await Community.all().order_by("id"):
            _, closed_now = await close_month(community, month)
            state = "已封存 / closed" if closed_now else "早已封存 / already closed"
            print(f"{community.name} {month.key}: {state}", flush=True)
        return 0

    return await _with_db(settings, run)


def _roster_template(args: argparse.Namespace) -> int:
    from server.roster_import import roster_template

    try:
        Path(args.file).write_bytes(roster_template())
    except OSError as exc:
        return _refuse(f"写不了文件 / cannot write {args.file}: {exc.strerror}")
    print(f"已写入名册模板 / roster template written: {args.file}", flush=True)
    return 0


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from server.backup import BackupError, make_backup

    try:
        written = make_backup(settings, Path(args.dir), keep=args.keep)
    except (BackupError, OSError) as exc:
        return _refuse(f"备份失败，没有写入备份文件 / backup failed, no backup written: {exc}")
    size = written.path.stat().st_size / 1024 / 1024
    print(f"已备份 / backup written: {written.path} ({size:.1f} MB)", flush=True)
    for old in written.removed:
        print(f"已删除旧备份 / removed old backup: {old}", flush=True)
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from server.backup import BackupError, restore_backup

    try:
        restore_backup(settings, Path(args.file), overwrite=args.force)
    except (BackupError, OSError) as exc:
        return _refuse(f"没有恢复 / not restored: {exc}")
    print(f"已恢复到 / restored into {_describe(settings)}；启动 louzu serve 即可"
          "（较早的备份会在启动时自动迁移）/ start `louzu serve` (an older backup is migrated at start)", flush=True)
    return 0


async def _refuse_demo_data() -> int:
    """domain.md: a server started without --demo has no demo accounts (their password is public)."""
    from server.demo import demo_present

    if await demo_present():
        # Never suggest --demo here: this store may hold a real committee beside the demo.
        return _refuse(
            "数据库里有演示居委会，演示账号的密码是公开的，不能正式运行。请换用一个新的数据库"
            "（DATABASE_URL 或 DATA_DIR）；只想试用演示请用 make run。"
            " / The database holds the demo committee, whose passwords are public: use a fresh"
            " database (DATABASE_URL or DATA_DIR); to try the demo, use `make run`."
        )
    return 0


def _serve(settings: Settings) -> int:
    import uvicorn

    try:
        settings.check_secret()
    except SettingsError as exc:
        return _refuse(exc)
    if _run_migrate(settings) != 0:
        return REFUSED
    if settings.demo and asyncio.run(_load_demo(settings)) != 0:
        return REFUSED
    if not settings.demo and asyncio.run(_with_db(settings, _refuse_demo_data)) != 0:
        return REFUSED
    from server.app import create_app
    from server.edge.request_log import configure_logging
    from server.metrics import exporter

    configure_logging()
    if exporter.serve_in_process(settings):
        print(f"指标 / metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics", flush=True)
    print(f"楼组通已启动 / serving on http://{settings.host}:{settings.port}", flush=True)
    # proxy_headers stay off: server/edge/forwarded.py believes X-Forwarded-* from
    # LOUZU_TRUSTED_PROXIES only, the same under any server. uvicorn's access log is replaced
    # by the app's own JSON line per request (server/edge/request_log.py).
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=False, access_log=False)
    return 0


def _metrics(settings: Settings) -> int:
    from server.metrics import exporter

    if not settings.metrics_dir or not settings.metrics_port:
        return _refuse(
            "louzu metrics 汇总多个进程的指标：请设置 PROMETHEUS_MULTIPROC_DIR（与各服务进程相同）和"
            " LOUZU_METRICS_PORT。/ `louzu metrics` adds up the app processes' metrics: set"
            " PROMETHEUS_MULTIPROC_DIR (the same as theirs) and LOUZU_METRICS_PORT."
        )
    print(f"指标 / metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics", flush=True)
    exporter.serve_forever(settings)
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("a whole number, 1 or more")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="louzu", description="楼组通 Louzu")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate and serve the app")
    serve.add_argument("--demo", action="store_true", help="load the demo committee if missing; allow demo accounts")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="load the demo committee (running it twice changes nothing)")
    community = sub.add_parser("createcommunity", help="create a community (居委会), the first step on a new server")
    community.add_argument("name", help="e.g. 天山路第一居民区")
    community.add_argument("--subdistrict", required=True, help="the subdistrict (街道), e.g. 天山路街道")
    create = sub.add_parser("createuser", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=["leader", "office", "admin"], required=True)
    create.add_argument("--display-name")
    create.add_argument("--community", required=True, help="the community (居委会) name")
    create.add_argument("--group", action="append", type=int, help="building group number (leaders; repeatable)")
    create.add_argument("--password", help="else LOUZU_PASSWORD or a prompt")
    create.add_argument("--no-password", action="store_true",
                        help="leaders only: no password; they sign in with a printed card (/admin/cards)")
    roster = sub.add_parser("import-roster", help="import a roster spreadsheet (.xlsx, .xls, .csv); all or nothing")
    roster.add_argument("file")
    roster.add_argument("--community", required=True, help="the community (居委会) name")
    roster.add_argument("--dry-run", action="store_true", help="print the preview, write nothing")
    roster.add_argument("--mark-missing-moved", action="store_true",
                        help="mark active residents missing from the file as moved (迁出); never deleted")
    export = sub.add_parser("export-roster", help="write the roster as .xlsx in the template's columns")
    export.add_argument("file")
    export.add_argument("--community", required=True, help="the community (居委会) name")
    sub.add_parser("close-months", help="close last month's meeting pack of every committee (idempotent)")
    template = sub.add_parser("roster-template", help="write the empty roster template (.xlsx)")
    template.add_argument("file")
    sub.add_parser("metrics", help="serve the sum of every app process's metrics (PROMETHEUS_MULTIPROC_DIR)"
                   " on LOUZU_METRICS_PORT")
    backup = sub.add_parser("backup", help="write a backup of the whole store into DIR (safe while serving)")
    backup.add_argument("dir")
    backup.add_argument("--keep", type=_positive, help="then keep only the newest N backups in DIR")
    restore = sub.add_parser("restore", help="restore a backup file into an empty store (stop the server first)")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="overwrite a store that is not empty")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except SettingsError as exc:  # e.g. a LOUZU_TRUSTED_PROXIES word that is no address
        return _refuse(exc)


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        settings = _settings(args.demo)
        if args.host:
            settings = settings.with_(host=args.host)
        if args.port:
            settings = settings.with_(port=args.port)
        return _serve(settings)
    settings = _settings()
    if args.command == "migrate":
        return _run_migrate(settings)
    if args.command == "demo":
        return _run_migrate(settings) or asyncio.run(_load_demo(settings.with_(demo=True)))
    if args.command == "createcommunity":
        return asyncio.run(_createcommunity(settings, args))
    if args.command == "createuser":
        return asyncio.run(_createuser(settings, args))
    if args.command == "import-roster":
        return asyncio.run(_import_roster(settings, args))
    if args.command == "export-roster":
        return asyncio.run(_export_roster(settings, args))
    if args.command == "roster-template":
        return _roster_template(args)
    if args.command == "metrics":
        return _metrics(settings)
    if args.command == "backup":
        return _backup(settings, args)
    if args.command == "restore":
        return _restore(settings, args)
    if args.command == "close-months":
        return asyncio.run(_close_months(settings))
    return 1


if __name__ == "__main__":
    sys.exit(main())
