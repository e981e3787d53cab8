"""What every `louzu` command shares: settings, refusing with a message, migrating, opening the store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from server import db
from server.settings import Settings, from_environment

# Exit code for "refused, and the message says why" (bad input, weak secret, missing store).
REFUSED = 2


def settings_for(demo: bool = False) -> Settings:
    settings = from_environment()
    return settings.with_(demo=True) if demo else settings


def describe(settings: Settings) -> str:
    url = settings.database_url
    if "@" in url:  # never print a password
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def refuse(message: object) -> int:
    print(message, file=sys.stderr, flush=True)
    return REFUSED


async def migrate(settings: Settings) -> None:
    print(f"迁移数据库 / migrating {describe(settings)}", flush=True)
    try:
        await db.migrate(settings, progress=True)
    finally:
        # Tortoise's migrate leaves its connection open; an open aiosqlite thread would keep
        # the process from exiting.
        await db.close_db()


def run_migrate(settings: Settings) -> int:
    from tortoise.exceptions import DBConnectionError, OperationalError

    from server.db.migration_state import NewerMigrationsError

    try:
        asyncio.run(migrate(settings))
    except NewerMigrationsError as exc:
        return refuse(exc)
    except (DBConnectionError, OperationalError, OSError) as exc:
        return refuse(f"无法迁移数据库 / cannot migrate {describe(settings)}: {exc}")
    return 0


async def with_db(settings: Settings, action: Callable[[], Awaitable[int]]) -> int:
    """Run `action` with the store open; a store that is down or unmigrated gets a clear message."""
    from tortoise import Tortoise
    from tortoise.exceptions import DBConnectionError, OperationalError

    from server.db.migration_state import NewerMigrationsError, migration_state
    from server.models import Community

    try:
        try:
            await db.init_db(settings)
            await Community.exists()  # probe: fails on a store that is down or has no tables
            state = await migration_state(Tortoise.get_connection("default"))
            state.refuse_newer()  # this release's code would misread a newer release's tables
        except NewerMigrationsError as exc:
            return refuse(exc)
        except (DBConnectionError, OperationalError, OSError) as exc:
            return refuse(
                f"数据库不可用或尚未迁移（先运行 louzu migrate）/ the database is unreachable or not migrated"
                f" ({describe(settings)}): {exc}"
            )
        if state.pending:
            return refuse(
                "数据库尚未迁移到这个版本（先运行 louzu migrate）/ the database is not migrated to this release"
                f" (run `louzu migrate` first; pending: {', '.join(state.pending)})"
            )
        return await action()
    finally:
        await db.close_db()


async def find_community(name: str):
    from server.models import Community

    return await Community.get_or_none(name=name)


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("a whole number, 1 or more")
    return int(text)
