"""Setting a committee up: the demo, a community, accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from server import db
from server.cli.common import refuse, with_db
from server.settings import Settings


async def load_demo_committee(settings: Settings) -> int:
    from server.demo import DemoError, load_demo

    async def load() -> int:
        from server.db.migration_lock import migration_lock

        try:
            # Under the migration lock: demo servers started together load it once, not twice.
            async with migration_lock(db.sqlite_file(settings)):
                summary = await load_demo(progress=True)
        except DemoError as exc:
            return refuse(f"无法载入演示数据 / cannot load the demo: {exc}")
        print(
            f"演示居委 / demo committee: {summary.groups} 楼组 groups, {summary.households} 户 households,"
            f" {summary.residents} 居民 residents, {summary.visits} 走访 visits, {summary.users} 账号 accounts"
            f" ({summary.seconds:.1f} s)",
            flush=True,
        )
        return 0

    return await with_db(settings, load)


async def createcommunity(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts.service import AccountError, create_community

    async def create() -> int:
        try:
            community = await create_community(name=args.name, subdistrict=args.subdistrict)
        except AccountError as exc:
            return refuse(f"无法创建居委会 / cannot create the community: {exc}")
        print(f"已创建居委会 / created community {community.name}（{community.subdistrict}）")
        return 0

    return await with_db(settings, create)


def ask_password(settings: Settings, args: argparse.Namespace) -> str | None:
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


async def createuser(settings: Settings, args: argparse.Namespace) -> int:
    from server.accounts.service import AccountError, create_user

    if args.no_password:
        password = None  # a leader who signs in with a printed card (/admin/cards)
    elif (password := ask_password(settings, args)) is None:
        return refuse("没有得到密码 / no password given (--password, LOUZU_PASSWORD or the prompt)")

    async def create() -> int:
        try:
            user = await create_user(
                username=args.username, display_name=args.display_name or args.username, role=args.role,
                password=password, community_name=args.community, building_groups=args.group or [],
                allow_weak=settings.demo,
            )
        except AccountError as exc:
            return refuse(f"无法创建账号 / cannot create the account: {exc}")
        print(f"已创建 / created {user.username} ({user.role.value})")
        return 0

    return await with_db(settings, create)
