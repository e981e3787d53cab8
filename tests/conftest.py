"""Test wiring: a fresh database per run (SQLite or PostgreSQL), clean tables per test.

LOUZU_TEST_DB=sqlite|postgres chooses the store; `make test` runs the suite on both.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

TEST_DB = os.environ.get("LOUZU_TEST_DB", "sqlite")
PG_ADMIN_URLS = [
    os.environ.get("LOUZU_TEST_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/test"),
    "postgres://root@127.0.0.1:5432/test",
]
_TMP = Path(tempfile.mkdtemp(prefix="louzu-test-"))
_PG_NAME = f"louzu_test_{secrets.token_hex(6)}"
_PG_ADMIN: str | None = None


def _pg_admin_url() -> str:
    import asyncio

    import asyncpg

    async def first_that_answers() -> str:
        errors = []
        for url in PG_ADMIN_URLS:
            try:
                conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
            except Exception as exc:  # try the next role
                errors.append(f"{url}: {exc}")
                continue
            await conn.execute(f'CREATE DATABASE "{_PG_NAME}"')
            await conn.close()
            return url
        raise RuntimeError("PostgreSQL is not reachable: " + "; ".join(errors))

    return asyncio.run(first_that_answers())


def _database_url() -> str:
    global _PG_ADMIN
    if TEST_DB == "postgres":
        _PG_ADMIN = _pg_admin_url()
        return _PG_ADMIN.rsplit("/", 1)[0] + f"/{_PG_NAME}"
    return f"sqlite://{_TMP / 'louzu-test.sqlite3'}"


# The environment is set before any app module reads its settings.
os.environ.update(
    {
        "DATA_DIR": str(_TMP),
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOUZU_FAST_HASHING": "1",
        "LOUZU_TEST_HOOKS": "1",
        # The alert sender runs only where a test starts it (tests/test_alerts.py).
        "LOUZU_ALERT_WORKER": "0",
    }
)

from server import db as app_db  # noqa: E402
from server.settings import get_settings  # noqa: E402

get_settings.cache_clear()


def pytest_report_header(config: pytest.Config) -> str:
    return f"louzu store: {TEST_DB} ({os.environ['DATABASE_URL'].split('@')[-1]})"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _PG_ADMIN:
        import asyncio

        import asyncpg

        async def drop() -> None:
            conn = await asyncpg.connect(_PG_ADMIN.replace("postgres://", "postgresql://"))
            await conn.execute(f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)')
            await conn.close()

        asyncio.run(drop())
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
async def database(settings) -> AsyncIterator[None]:
    await app_db.migrate(settings)
    await app_db.init_db(settings)
    yield
    await app_db.close_db()


async def _empty_all_tables() -> None:
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    tables = [m._meta.db_table for m in Tortoise.apps.get_models_iterable()] + ["user_building_group"]
    if TEST_DB == "postgres":
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in sorted(set(tables))) + " RESTART IDENTITY CASCADE"
        )
    else:
        script = "PRAGMA foreign_keys=OFF;" + "".join(f'DELETE FROM "{t}";' for t in sorted(set(tables)))
        await conn.execute_script(script + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys=ON;")


@pytest.fixture
async def db(database) -> AsyncIterator[None]:
    """Every test that touches the store starts from empty tables."""
    await _empty_all_tables()
    yield


@pytest.fixture
async def world(db):
    """A small committee: two building groups, their leaders, office and admin (see factories)."""
    from tests.factories import build_world

    return await build_world()


@pytest.fixture
async def client(db, settings) -> AsyncIterator:
    """An HTTP client calling the app in this test's own event loop (no server, no thread)."""
    import httpx

    from server.app import create_app

    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(database) -> Iterator[str]:
    """The real app under uvicorn in its own process, on the same store as the tests."""
    port = _free_port()
    log = open(_TMP / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env={**os.environ}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("server exited: " + (_TMP / "server.log").read_text())
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("server did not start: " + (_TMP / "server.log").read_text())
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
