"""Tortoise's SQLite client, with every transaction begun as `BEGIN IMMEDIATE`.

Tortoise begins a transaction with a plain (deferred) `BEGIN` (tortoise-orm issue #1675 asks for
another mode; there is none). A deferred transaction that reads first and then writes must
upgrade its lock; when a second process (another server, or `louzu createuser` while serving)
has written in between, SQLite answers "database is locked" at once, without waiting for the busy
timeout, because waiting could deadlock. `BEGIN IMMEDIATE` takes the write lock at the start,
where waiting is safe, so a second writer only makes a transaction wait (PRAGMA busy_timeout).

Every `in_transaction()` in this code base writes (reads run outside transactions), so taking
the write lock at `BEGIN` costs nothing: one process's transactions already run one at a time
(the client's single connection and lock). The engine is named in server/db/__init__.py's config.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        # After busy_timeout a BEGIN IMMEDIATE that still cannot get the lock raises; say
        # "locked" as a database error (Tortoise's begin calls it a transaction-management error).
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> ImmediateTransactionWrapper:
        # Tortoise's context leaves its lock held and the connection variable set when `begin`
        # raises, which would hang every later query of the process; undo both here.
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
        except BaseException:
            self._trxlock.release()
            raise
        try:
            await self.connection.begin()
        except BaseException:
            get_connections().reset(self.token)
            self._trxlock.release()
            raise
        return self.connection


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> ImmediateTransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    @translate_exceptions
    async def execute_many(self, query: str, values: list[list]) -> None:
        # Tortoise's own bulk path in autocommit mode; the same immediate begin as transactions.
        async with self.acquire_connection() as connection:
            await connection.execute("BEGIN IMMEDIATE")
            try:
                await connection.executemany(query, values)
            except Exception:
                await connection.rollback()
                raise
            else:
                await connection.commit()


# Tortoise loads a backend as a module with `client_class` (connection.py, _discover_client_class).
client_class = ImmediateSqliteClient
