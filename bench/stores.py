"""Runs one benchmark on a fresh SQLite file and on a fresh PostgreSQL database, each in its own process.

PostgreSQL is used when reachable at LOUZU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test);
a database louzu_bench_<random> is created there and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

PG_ADMIN = os.environ.get("LOUZU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")

Bench = Callable[[str, str, Path], Awaitable[None]]


async def _pg_admin(sql: str) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL: not reachable at {PG_ADMIN.split('@')[-1]} ({exc}); skipped")
        return False
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
    return True


def _in_child(script: str, label: str, database_url: str, data_dir: Path) -> None:
    # One process per store: Tortoise builds each model's SQL once per process, for one dialect.
    subprocess.run([sys.executable, script, label, database_url, str(data_dir)], check=True)


def on_both_stores(script: str, bench: Bench) -> None:
    """`script` is the benchmark's own file: called with (label, url, dir) it runs `bench` once."""
    if len(sys.argv) == 4:
        asyncio.run(bench(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
        return
    with tempfile.TemporaryDirectory(prefix="louzu-bench-") as tmp:
        _in_child(script, "SQLite", f"sqlite://{Path(tmp) / 'bench.sqlite3'}", Path(tmp))
        name = f"louzu_bench_{secrets.token_hex(4)}"
        if asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')):
            try:
                _in_child(script, "PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", Path(tmp))
            finally:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
