"""With ten years of one committee (≈ 200,000 visits) the leader's pages, the manifest and the
office dashboard read visit, visit_resident and visit_review_event through indexes, never by a
sequential scan. PostgreSQL only: its planner is the one whose plans we read here.

The history lives in a database of its own, made and dropped by this module (the demo committee
loaded, then copied back 18 times by bench/history.py, then VACUUM ANALYZE as autovacuum would),
worked on by a child process: the test session's own database and Tortoise are never touched.
Each page is requested through the real app; every SELECT it sends is EXPLAIN ANALYZEd with its
own values (bench/plans.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("visit", "visit_resident", "visit_review_event")

pytestmark = pytest.mark.skipif(
    os.environ.get("LOUZU_TEST_DB", "sqlite") != "postgres",
    reason="query plans are read on PostgreSQL (LOUZU_TEST_DB=postgres); SQLite's planner is not the one checked",
)


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def plans() -> list[dict]:
    session_url = os.environ["DATABASE_URL"]  # the run's own database: used only to CREATE/DROP ours
    name = f"louzu_plans_{secrets.token_hex(4)}"
    asyncio.run(_admin(session_url, f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="louzu-plans-") as tmp:
            result = subprocess.run(
                [sys.executable, __file__, session_url.rsplit("/", 1)[0] + f"/{name}", tmp],
                cwd=ROOT, capture_output=True, text=True, timeout=300,
            )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        asyncio.run(_admin(session_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pages(plans: list[dict]) -> set[str]:
    return {q["page"].split("?")[0].rstrip("0123456789") for q in plans}


def test_every_page_was_read(plans):
    assert _pages(plans) >= {"/", "/households/", "/api/sync/manifest", "/office/"}
    assert any(s["table"] == "visit" for q in plans for s in q["scans"])  # the plans were really read


def test_no_sequential_scan_of_the_visit_tables(plans):
    found = [
        f"{q['page']}: Seq Scan on {s['table']} ({s['rows']} rows x {s['loops']}) in {q['sql'][:300]}"
        for q in plans for s in q["scans"] if s["node"] == "Seq Scan" and s["table"] in FORBIDDEN
    ]
    assert not found, "\n".join(found)


async def _build_and_read(database_url: str, data_dir: str) -> list[dict]:
    from tortoise import Tortoise

    from bench.history import add_history
    from bench.plans import page_plans
    from server import db
    from server.demo import load_demo
    from server.models import Community
    from server.settings import from_environment

    settings = from_environment({**os.environ, "DATA_DIR": data_dir, "DATABASE_URL": database_url})
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    try:
        await load_demo()
        await add_history((await Community.get(is_demo=True)).id, analyze=False)
        await Tortoise.get_connection("default").execute_script(
            "VACUUM ANALYZE visit, visit_resident, visit_revision, visit_review_event, household, resident"
        )
        return await page_plans(settings)
    finally:
        await db.close_db()


if __name__ == "__main__":  # the child process: build the history, print the plans as one JSON line
    sys.path.insert(0, str(ROOT))
    print(json.dumps(asyncio.run(_build_and_read(sys.argv[1], sys.argv[2])), default=str))
