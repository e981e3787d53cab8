"""/healthz (the process answers, no database) and /readyz (database reachable, migrations
exactly this release's), as a load balancer or systemd would call them: no session."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError

from server.db.migration_state import SHIPPED
from server.health import routes as health

FUTURE = "0999_from_a_newer_release"


class Unreachable:
    """The store as a load balancer sees it when PostgreSQL is down."""

    async def execute_query(self, *args, **kwargs):
        raise DBConnectionError("connection refused")


async def _record(sql: str, *values) -> None:
    await Tortoise.get_connection("default").execute_query(sql, list(values))


async def test_health_and_readiness_when_all_is_well(client):
    for path, body in (("/healthz", {"status": "ok"}),
                       ("/readyz", {"status": "ready", "reason": None, "pending": [], "newer": []})):
        response = await client.get(path)
        assert response.status_code == 200 and response.json() == body, path
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_not_ready_without_the_database_but_still_healthy(client, monkeypatch):
    monkeypatch.setattr(health.Tortoise, "get_connection", lambda name: Unreachable())
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["reason"] == "database_unreachable"
    assert (await client.get("/healthz")).status_code == 200


async def test_not_ready_on_a_store_from_another_release(client, settings):
    placeholder = "?" if settings.is_sqlite else "$1"
    insert = ("INSERT INTO tortoise_migrations (app, name, applied_at) "
              f"VALUES ('models', {placeholder}, CURRENT_TIMESTAMP)")
    delete = f"DELETE FROM tortoise_migrations WHERE app = 'models' AND name = {placeholder}"
    pending = max(SHIPPED)
    try:
        await _record(insert, FUTURE)
        newer = await client.get("/readyz")
        await _record(delete, FUTURE)
        await _record(delete, pending)
        older = await client.get("/readyz")
    finally:
        await _record(delete, FUTURE)
        await _record(delete, pending)
        await _record(insert, pending)
    assert newer.status_code == 503 and newer.json()["reason"] == "migrations_newer"
    assert newer.json()["newer"] == [FUTURE]
    assert older.status_code == 503 and older.json()["reason"] == "migrations_pending"
    assert older.json()["pending"] == [pending]
    assert (await client.get("/readyz")).status_code == 200
