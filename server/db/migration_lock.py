"""One process migrates at a time, so any number can start together or roll over to a release.

Without it, two processes starting on an empty PostgreSQL both run `CREATE TABLE IF NOT EXISTS
tortoise_migrations` and one dies on a duplicate key in pg_type; on any store both could apply the
same migration. The loser of the lock waits, then finds the migrations applied and does nothing.

PostgreSQL: a session-level advisory lock on one pooled connection, held for the whole run (the
server drops it if the process dies). SQLite: an exclusive flock on a file beside the database
(the kernel drops it if the process dies).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError

# Any fixed 64-bit number, the same in every release: pg_advisory_lock's key for "migrating Louzu".
ADVISORY_KEY = 0x4C6F757A754D6967  # "LouzuMig"


def _quiet() -> None:
    pass


@asynccontextmanager
async def migration_lock(sqlite_file: Path | None, on_wait: Callable[[], None] = _quiet) -> AsyncIterator[None]:
    """Hold the lock of the store Tortoise is initialised on (`sqlite_file` for SQLite, else None
    for PostgreSQL; an in-memory SQLite store has no other process to wait for). `on_wait` is
    called once if another process holds it, so an operator knows why the start pauses."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        async with _advisory_lock(connection, on_wait):
            yield
    elif sqlite_file is not None:
        async with _file_lock(sqlite_file.with_name(sqlite_file.name + ".migrate-lock"), on_wait):
            yield
    else:
        yield


@asynccontextmanager
async def _advisory_lock(connection, on_wait: Callable[[], None]) -> AsyncIterator[None]:
    # The lock holds one pooled connection while the migrations run on others: a pool of one
    # (DATABASE_URL ...?maxsize=1) would wait for itself forever.
    if getattr(connection, "pool_maxsize", 2) < 2:
        raise DBConnectionError("迁移需要至少 2 个数据库连接（maxsize）/ migrating needs a pool of 2 or more connections")
    async with connection.acquire_connection() as session:
        if not await session.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_KEY):
            on_wait()
            await session.execute("SELECT pg_advisory_lock($1)", ADVISORY_KEY)
        try:
            yield
        finally:
            await session.execute("SELECT pg_advisory_unlock($1)", ADVISORY_KEY)


@asynccontextmanager
async def _file_lock(path: Path, on_wait: Callable[[], None]) -> AsyncIterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            # flock blocks; waiting in a thread keeps the event loop (and its timeouts) alive.
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
