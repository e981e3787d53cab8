"""`louzu` command: serve, migrate, demo, createcommunity, createuser, import-roster, export-roster,
roster-template, close-months, metrics, backup, restore. The commands live by job in this package."""

from __future__ import annotations

import argparse
import asyncio

from server.cli.common import positive, refuse, run_migrate, settings_for
from server.cli.operate import backup, close_months, metrics, restore, serve
from server.cli.roster import export_roster, import_roster, roster_template
from server.cli.setup import createcommunity, createuser, load_demo_committee
from server.settings import SettingsError


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
    backup.add_argument("--keep", type=positive, help="then keep only the newest N backups in DIR")
    restore = sub.add_parser("restore", help="restore a backup file into an empty store (stop the server first)")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="overwrite a store that is not empty")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except SettingsError as exc:  # e.g. a LOUZU_TRUSTED_PROXIES word that is no address
        return refuse(exc)


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        settings = settings_for(args.demo)
        if args.host:
            settings = settings.with_(host=args.host)
        if args.port:
            settings = settings.with_(port=args.port)
        return serve(settings)
    settings = settings_for()
    if args.command == "migrate":
        return run_migrate(settings)
    if args.command == "demo":
        return run_migrate(settings) or asyncio.run(load_demo_committee(settings.with_(demo=True)))
    if args.command == "createcommunity":
        return asyncio.run(createcommunity(settings, args))
    if args.command == "createuser":
        return asyncio.run(createuser(settings, args))
    if args.command == "import-roster":
        return asyncio.run(import_roster(settings, args))
    if args.command == "export-roster":
        return asyncio.run(export_roster(settings, args))
    if args.command == "roster-template":
        return roster_template(args)
    if args.command == "metrics":
        return metrics(settings)
    if args.command == "backup":
        return backup(settings, args)
    if args.command == "restore":
        return restore(settings, args)
    if args.command == "close-months":
        return asyncio.run(close_months(settings))
    return 1
