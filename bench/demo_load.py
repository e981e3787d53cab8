"""How long loading the demo committee takes into a fresh SQLite file and a fresh PostgreSQL database.

Run: .venv/bin/python bench/demo_load.py   (not a test: it prints figures, it asserts nothing)
PostgreSQL is used when reachable at LOUZU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test);
the script creates its own database louzu_bench_<random> there and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import db  # noqa: E402
from server.demo import load_demo  # noqa: E402
from server.settings import from_environment  # noqa: E402

PG_ADMIN = os.environ.get("LOUZU_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    settings = from_environment({**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": database_url})
    started = time.perf_counter()
    await db.migrate(settings)
    await db.close_db()
    migrated = time.perf_counter() - started
    await db.init_db(settings)
    try:
        summary = await load_demo(progress=True)
        again = await load_demo()
    finally:
        await db.close_db()
    print(
        f"{label}: demo loaded in {summary.seconds:.2f} s (migrations {migrated:.2f} s; second run"
        f" {again.seconds:.2f} s, loaded={again.loaded}) — {summary.groups} groups, {summary.households}"
        f" households, {summary.residents} residents, {summary.visits} visits, {summary.users} accounts",
        flush=True,
    )


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


def _in_child(label: str, database_url: str, data_dir: Path) -> None:
    # One process per store: Tortoise builds each model's SQL once per process, for one dialect.
    subprocess.run([sys.executable, __file__, label, database_url, str(data_dir)], check=True)


def main() -> None:
    if len(sys.argv) == 4:
        asyncio.run(_bench(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
        return
    with tempfile.TemporaryDirectory(prefix="louzu-bench-") as tmp:
        _in_child("SQLite", f"sqlite://{Path(tmp) / 'bench.sqlite3'}", Path(tmp))
        name = f"louzu_bench_{secrets.token_hex(4)}"
        if asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')):
            try:
                _in_child("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", Path(tmp))
            finally:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
