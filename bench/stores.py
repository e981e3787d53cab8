"""Runs one benchmark on a fresh SQLite file and on a fresh PostgreSQL database, each in its own process.

PostgreSQL is used when reachable at LOUZU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test);
a database louzu_bench_<random> is created there and dropped afterwards.

The environment names the stores instead when a benchmark should build one and another reuse it
(bench/scale.py, then bench/pages.py):
  LOUZU_BENCH_DB=name    PostgreSQL database `name` (created when missing, kept afterwards) and
                         the SQLite file $LOUZU_BENCH_DIR/name.sqlite3 (default dir
                         /tmp/louzu-bench-stores), kept too.
  LOUZU_BENCH_PORT=port  the port of any server a benchmark starts (default: a free one).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("LOUZU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
BENCH_DB = os.environ.get("LOUZU_BENCH_DB", "").strip()
BENCH_DIR = Path(os.environ.get("LOUZU_BENCH_DIR", "/tmp/louzu-bench-stores"))


def bench_port() -> int:
    """LOUZU_BENCH_PORT, or a free port."""
    if os.environ.get("LOUZU_BENCH_PORT"):
        return int(os.environ["LOUZU_BENCH_PORT"])
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

Bench = Callable[[str, str, Path], Awaitable[None]]


async def _pg_admin_run(work: Callable[[Any], Awaitable[Any]]) -> tuple[bool, Any]:
    """(reachable, work's answer) on the PostgreSQL admin connection; unreachable is said, not raised."""
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL: not reachable at {PG_ADMIN.split('@')[-1]} ({exc}); skipped")
        return False, None
    try:
        return True, await work(conn)
    finally:
        await conn.close()


async def _pg_admin(sql: str) -> bool:
    reachable, _ = await _pg_admin_run(lambda conn: conn.execute(sql))
    return reachable


def _in_child(script: str, label: str, database_url: str, data_dir: Path) -> None:
    # One process per store: Tortoise builds each model's SQL once per process, for one dialect.
    subprocess.run([sys.executable, script, label, database_url, str(data_dir)], check=True)


async def _pg_database_exists(name: str) -> bool | None:
    reachable, found = await _pg_admin_run(lambda conn: conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    return bool(found) if reachable else None


def _on_named_stores(script: str, name: str, stores: set[str]) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if "sqlite" in stores:
        _in_child(script, "SQLite", f"sqlite://{BENCH_DIR / (name + '.sqlite3')}", BENCH_DIR)
    if "postgres" in stores:
        exists = asyncio.run(_pg_database_exists(name))
        if exists is None:
            return
        if not exists:
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        _in_child(script, "PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", BENCH_DIR)


def on_both_stores(script: str, bench: Bench) -> None:
    """`script` is the benchmark's own file: called with (label, url, dir) it runs `bench` once.

    LOUZU_BENCH_STORES=sqlite or postgres runs one store only (default both)."""
    if len(sys.argv) == 4:
        asyncio.run(bench(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
        return
    stores = set(os.environ.get("LOUZU_BENCH_STORES", "sqlite,postgres").split(","))
    if BENCH_DB:
        _on_named_stores(script, BENCH_DB, stores)
        return
    with tempfile.TemporaryDirectory(prefix="louzu-bench-") as tmp:
        if "sqlite" in stores:
            _in_child(script, "SQLite", f"sqlite://{Path(tmp) / 'bench.sqlite3'}", Path(tmp))
        name = f"louzu_bench_{secrets.token_hex(4)}"
        if "postgres" in stores and asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')):
            try:
                _in_child(script, "PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", Path(tmp))
            finally:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def open_store(database_url: str, data_dir: Path, defaults: dict[str, str] | None = None,
                     **overrides: str) -> AsyncIterator[Any]:
    """The benchmark's store, migrated and open in this process until the block ends; answers its
    Settings: the environment's, with `defaults` where it says nothing (e.g. SECRET_KEY), the
    store given and `overrides`."""
    from server import db
    from server.settings import from_environment

    settings = from_environment({**(defaults or {}), **os.environ, "DATA_DIR": str(data_dir),
                                 "DATABASE_URL": database_url, **overrides})
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    try:
        yield settings
    finally:
        await db.close_db()


async def settle(*tables: str) -> None:
    """On PostgreSQL, what autovacuum does shortly after a load (it lags on a busy machine) for
    `tables` (all when none): plans then see the real sizes, and the visibility map the vacuum
    sets makes index-only probes cheap (only ANALYZEd, the manifest's review-event aggregate
    hashed all 215k rows: 105 ms). SQLite: nothing (the server samples its statistics at start)."""
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(" ".join(["VACUUM ANALYZE", ", ".join(f'"{t}"' for t in tables)]).strip())


def serve_app(env: dict[str, str], port: int, tree: Path = ROOT, factory: str = "server.app:create_app"
              ) -> subprocess.Popen:
    """One uvicorn process serving `factory` from `tree` (this checkout, or an older one to
    compare), set up as `louzu serve` runs it: one worker, no proxy headers, log level warning."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-proxy-headers"], cwd=tree, env=env,
    )


@contextmanager
def serving(env: dict[str, str], port: int, tree: Path = ROOT, factory: str = "server.app:create_app"
            ) -> Iterator[subprocess.Popen]:
    """serve_app for the block, stopped after it."""
    server = serve_app(env, port, tree, factory)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


async def wait_up(client: Any) -> None:
    """Until the server at the httpx.AsyncClient's base URL answers anything (30 s at most)."""
    import httpx

    for _ in range(300):
        try:
            await client.get("/")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")
