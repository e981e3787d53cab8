"""Database wiring: the Tortoise config, start/stop, and running the committed migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.executor import MigrationExecutor

from server.db.migration_lock import migration_lock
from server.db.migration_state import APP_LABEL, migration_state
from server.settings import Settings, get_settings

MODELS_MODULE = "server.models"
MIGRATIONS_MODULE = "server.migrations"

# How long a SQLite write waits for another process's write (a CLI import, a second server)
# before it fails; writes begin IMMEDIATE (server/db/sqlite_client.py), so they do wait.
SQLITE_BUSY_TIMEOUT_MS = 30_000
LONG_READS = "long_reads"


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite store's file (None for PostgreSQL or an in-memory store)."""
    if not settings.is_sqlite:
        return None
    path = settings.database_url[len("sqlite://"):]
    return Path(path) if path and path != ":memory:" else None


async def _keep_session(connection: Any) -> None:
    """What asyncpg's pool does to a connection handed back, instead of its reset query.

    By default the pool sends one more statement (unlock advisory locks, CLOSE ALL, UNLISTEN,
    RESET ALL) every time a connection comes back, which Tortoise does after every query:
    fifteen extra round trips on a leader's page. Louzu leaves no session state on a pooled
    connection (no SET, LISTEN or cursor; the migration lock unlocks itself in a finally), so
    there is nothing to reset. An open transaction is still rolled back by the pool itself."""


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        path = settings.database_url[len("sqlite://"):]
        if (file := sqlite_file(settings)) is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        # WAL: readers never wait for the writer, so the CLI, a second process or the
        # browser-test server share one file; every pragma here is set on each connection.
        connection: Any = {
            "engine": "server.db.sqlite_client",
            "credentials": {"file_path": path, "journal_mode": "WAL", "foreign_keys": "ON",
                            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS},
        }
    else:
        # As a dict, to give asyncpg's pool the one setting a URL cannot carry.
        connection = expand_db_url(settings.database_url)
        connection["credentials"]["reset"] = _keep_session
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def long_reads() -> BaseDBAsyncClient:
    """The connection for a read of many queries (an export walks ten years in chunks).

    On SQLite every request of a process shares one connection, whose queries run one at a
    time: a phone's push waited behind each of an export's chunk queries (ten times its idle
    time). A second connection to the same file reads beside it (WAL: a reader never blocks the
    writer, nor the writer it). It is kept out of Tortoise's config, where a second connection
    would make every `in_transaction()` name its own. On PostgreSQL the pool already gives each
    query a connection of its own."""
    global _long_reads
    default = Tortoise.get_connection("default")
    if default.capabilities.dialect != "sqlite" or getattr(default, "filename", ":memory:") == ":memory:":
        return default
    if _long_reads is None:
        _long_reads = type(default)(file_path=default.filename, connection_name=LONG_READS, **default.pragmas)
    return _long_reads


_long_reads: BaseDBAsyncClient | None = None


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads server.db.TORTOISE_ORM (pyproject [tool.tortoise]);
    # computed lazily so importing this module never reads the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings())
    raise AttributeError(name)


async def init_db(settings: Settings) -> None:
    """Open the connection for this process; requests in any task see it (global context)."""
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    global _long_reads
    if _long_reads is not None:
        await _long_reads.close()
        _long_reads = None
    await Tortoise.close_connections()


async def migrate(settings: Settings, progress: bool = False) -> None:
    """Apply every committed migration not yet applied (safe to run on every start, by any number
    of processes at once: they take turns under the migration lock). Raises NewerMigrationsError,
    changing nothing, on a store migrated by a newer release."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress and event == "apply_done":
            print(f"  已应用迁移 / applied migration {app_label}.{name}", flush=True)

    def waiting() -> None:
        if progress:
            print("  另一个进程正在迁移，等它完成 / another process is migrating; waiting for it", flush=True)

    config = tortoise_config(settings)
    # What tortoise.migrations.api.migrate does, with the lock and the check around the executor.
    await Tortoise.init(config=config, init_connections=False)
    connection = Tortoise.get_connection("default")
    async with migration_lock(sqlite_file(settings), on_wait=waiting):
        (await migration_state(connection)).refuse_newer()
        executor = MigrationExecutor(connection, {APP_LABEL: config["apps"][APP_LABEL]})
        await executor.migrate(progress=report)
        if settings.is_sqlite:
            await refresh_sqlite_statistics()


async def refresh_sqlite_statistics() -> None:
    """SQLite plans without statistics take `community_id = ?` for a selective filter (in a store
    of one committee it matches every row) and walk the whole history through that index, e.g.
    for the dashboard's duplicate windows. A sampled ANALYZE (a few ms, whatever the size) on
    every start gives the planner the real shape. PostgreSQL keeps its own (autovacuum)."""
    await Tortoise.get_connection("default").execute_script("PRAGMA analysis_limit=1000; ANALYZE;")
