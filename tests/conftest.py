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
from contextlib import contextmanager
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


def _tables() -> list[str]:
    """The app's tables, each after every table whose rows point to it (the order to empty them
    in, as some keys refuse to leave a row pointing nowhere)."""
    from tortoise import Tortoise

    points_to: dict[str, set[str]] = {}
    for model in Tortoise.apps.get_models_iterable():
        meta = model._meta
        points_to.setdefault(meta.db_table, set()).update(
            meta.fields_map[name].related_model._meta.db_table for name in meta.fk_fields | meta.o2o_fields
        )
        for name in meta.m2m_fields:  # the table between (e.g. user_building_group)
            field = meta.fields_map[name]
            points_to.setdefault(field.through, set()).update({meta.db_table, field.related_model._meta.db_table})
    ordered: list[str] = []

    def place(table: str) -> None:
        if table not in ordered:
            for parent in sorted(points_to[table] - {table}):
                place(parent)
            ordered.append(table)

    for table in sorted(points_to):
        place(table)
    return ordered[::-1]


async def _written_tables(conn) -> list[tuple[str, str | None]]:
    """The tables holding a row, or whose id counter has moved (a test may have deleted its own
    rows), each with its id counter (PostgreSQL's sequence; None on SQLite): all the other
    tables are as a fresh store has them. In emptying order; one query."""
    tables = _tables()
    holding = " UNION ALL ".join(f"SELECT '{t}' AS t WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
    if TEST_DB == "postgres":
        rows = await conn.execute_query_dict(
            f"WITH written AS ({holding}),"
            " counters AS (SELECT c.relname AS t, s.sequencename AS seq, s.last_value IS NOT NULL AS moved"
            " FROM pg_sequences s"
            " JOIN pg_class sc ON sc.relname = s.sequencename AND sc.relnamespace = 'public'::regnamespace"
            " JOIN pg_depend d ON d.objid = sc.oid AND d.classid = 'pg_class'::regclass"
            " AND d.refclassid = 'pg_class'::regclass JOIN pg_class c ON c.oid = d.refobjid"
            " WHERE s.schemaname = 'public')"
            " SELECT t, seq FROM counters WHERE moved OR t IN (SELECT t FROM written)"
            " UNION SELECT t, NULL FROM written WHERE t NOT IN (SELECT t FROM counters)"
        )
    else:
        rows = await conn.execute_query_dict(f"{holding} UNION SELECT name AS t FROM sqlite_sequence")
    counter = {row["t"]: row.get("seq") for row in rows}
    return [(t, counter[t]) for t in tables if t in counter]


async def _empty_all_tables() -> None:
    """Every table as a fresh store has it: empty, ids from 1. Only the tables a test wrote to
    are touched, all in one transaction: emptying every table each in its own commit (and
    PostgreSQL's TRUNCATE, which makes new files for a table) was most of the suite's time."""
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    written = await _written_tables(conn)
    if not written:
        return
    deletes = "".join(f'DELETE FROM "{t}";' for t, _ in written)
    if TEST_DB == "postgres":
        restarts = "".join(f"SELECT setval('\"{seq}\"', 1, false);" for _, seq in written if seq)
        await conn.execute_script(f"BEGIN; {deletes} {restarts} COMMIT;")
    else:
        # The foreign-key switch only works outside a transaction.
        await conn.execute_script(
            f"PRAGMA foreign_keys=OFF; BEGIN; {deletes} DELETE FROM sqlite_sequence; COMMIT; PRAGMA foreign_keys=ON;"
        )


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


@pytest.fixture(scope="session")
def app(settings):
    """One app for the session's in-process clients: building it reads every route handler's
    signature (~0.2 s), once instead of before each of ~900 tests. It keeps nothing of a test's:
    sessions, throttles and rows are in the store, emptied before each test."""
    from server.app import create_app

    return create_app(settings, manage_db=False)


@pytest.fixture
async def client(db, app) -> AsyncIterator:
    """An HTTP client calling the app in this test's own event loop (no server, no thread)."""
    import httpx

    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
async def clients(db, settings, app) -> AsyncIterator:
    """Several people at once, each with their own logged-in client on one app (Clients)."""
    from tests.office_factories import Clients

    people = Clients(settings, app)
    yield people
    await people.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_process(module: str, *args: str) -> Iterator[str]:
    """`python -m module *args --port N`: the app under uvicorn in its own process, on the same
    store as the tests; its URL once it takes connections. Stopped afterwards."""
    port = free_port()
    log_path = _TMP / f"{module}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args, "--port", str(port)],
        env={**os.environ}, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1],
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"{module} did not start: " + log_path.read_text()) from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(database) -> Iterator[str]:
    """The real app under uvicorn in its own process, on the same store as the tests."""
    with app_process("server.cli", "serve") as url:
        yield url
