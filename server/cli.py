"""`louzu` command: serve, migrate, demo, createuser."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from server import db
from server.settings import Settings, SettingsError, from_environment


def _settings(demo: bool = False) -> Settings:
    settings = from_environment()
    return settings.with_(demo=True) if demo else settings


async def _migrate(settings: Settings) -> None:
    print(f"迁移数据库 / migrating {_describe(settings)}", flush=True)
    await db.migrate(settings, progress=True)


def _describe(settings: Settings) -> str:
    url = settings.database_url
    if "@" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


async def _load_demo(settings: Settings) -> None:
    from server.demo import load_demo

    await db.init_db(settings)
    try:
        await load_demo(progress=True)
    finally:
        await db.close_db()


async def _createuser(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts import AccountError, create_user

    password = args.password or os.environ.get("LOUZU_PASSWORD") or getpass.getpass("密码 / password: ")
    await db.init_db(settings)
    try:
        user = await create_user(
            username=args.username, display_name=args.display_name or args.username, role=args.role,
            password=password, community_name=args.community, building_groups=args.group or [],
            allow_weak=settings.demo,
        )
    except AccountError as exc:
        print(f"无法创建账号 / cannot create the account: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.close_db()
    print(f"已创建 / created {user.username} ({user.role})")
    return 0


def _serve(settings: Settings) -> int:
    import uvicorn

    try:
        settings.check_secret()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    asyncio.run(_migrate(settings))
    if settings.demo:
        asyncio.run(_load_demo(settings))
    from server.app import create_app

    print(f"楼组通已启动 / serving on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="louzu", description="楼组通 Louzu")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate and serve the app")
    serve.add_argument("--demo", action="store_true", help="load the demo committee if missing; allow demo accounts")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="load the demo committee (running it twice changes nothing)")
    create = sub.add_parser("createuser", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=["leader", "office", "admin"], required=True)
    create.add_argument("--display-name")
    create.add_argument("--community", required=True, help="the community (居委会) name")
    create.add_argument("--group", action="append", type=int, help="building group number (leaders)")
    create.add_argument("--password", help="else LOUZU_PASSWORD or a prompt")
    args = parser.parse_args(argv)

    if args.command == "serve":
        settings = _settings(args.demo)
        if args.host:
            settings = settings.with_(host=args.host)
        if args.port:
            settings = settings.with_(port=args.port)
        return _serve(settings)
    settings = _settings()
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "demo":
        asyncio.run(_migrate(settings))
        asyncio.run(_load_demo(settings.with_(demo=True)))
        return 0
    if args.command == "createuser":
        return asyncio.run(_createuser(settings, args))
    return 1


if __name__ == "__main__":
    sys.exit(main())
