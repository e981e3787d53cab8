"""The `louzu` command as a real process, against a store of its own (never the tests' store).

Under LOUZU_TEST_DB=postgres a store is a fresh PostgreSQL database (DATABASE_URL); otherwise a
temporary DATA_DIR with its SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import conftest
from tests.conftest import free_port  # noqa: F401  (for the tests that take it from here)

ROOT = Path(__file__).resolve().parent.parent
DEMO_NAME = "天山路第一居民区"
GOOD_PASSWORD = "Zq8-river-lamp"


def louzu(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, cwd=ROOT, input=stdin,
        capture_output=True, text=True, timeout=120,
    )


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATA_DIR=str(data_dir), LOUZU_FAST_HASHING="1")
    return env


def _pg_execute(url: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def pg_admin(sql: str) -> None:
    _pg_execute(conftest._PG_ADMIN, sql)


@contextmanager
def own_store(data_dir: Path, label: str) -> Iterator[dict[str, str]]:
    """The environment of a command that runs on its own empty store, dropped afterwards."""
    env = base_env(data_dir)
    name = None
    if conftest.TEST_DB == "postgres":
        name = f"louzu_{label}_{secrets.token_hex(4)}"
        pg_admin(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = conftest._PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield env
    finally:
        if name:
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_serve(env: dict[str, str], port: int, *args: str) -> subprocess.Popen:
    """`louzu serve` as a background process on `port`; its output is read by `stop`."""
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_until_up(process: subprocess.Popen, port: int, seconds: float = 60) -> None:
    """Until the process answers /healthz; fails with its output if it exits or never answers."""
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"the server exited ({process.returncode}): {process.stdout.read()}"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> str:
    """Stop a server started by `start_serve`; its output."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def store_sql(env: dict[str, str], sql: str) -> None:
    """Run one statement on the command's own store (not the tests' store)."""
    if conftest.TEST_DB == "postgres":
        _pg_execute(env["DATABASE_URL"], sql)
    else:
        with sqlite3.connect(f"{env['DATA_DIR']}/louzu.sqlite3") as conn:
            conn.execute(sql)
