"""/healthz and /readyz for a load balancer, a systemd watchdog or a container orchestrator.

/healthz: the process answers (no database, so a database outage never restarts the app).
/readyz: the database answers and its migrations are exactly this release's; 503 otherwise, so
a reverse proxy sends no traffic to a process that cannot serve it (e.g. an old release left
running after a newer one migrated the store). Neither needs a session or says anything personal.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from tortoise import Tortoise

from server.db.migration_state import migration_state

# A probe that waits longer than this is an answer in itself: not ready.
DATABASE_PROBE_SECONDS = 3.0
NO_STORE = {"cache-control": "no-store"}


@dataclass
class Health:
    status: str


@dataclass
class Readiness:
    """`status` is "ready" or "unavailable"; `reason` says why not: database_unreachable,
    migrations_pending (this release's not yet applied) or migrations_newer (applied by a newer
    release); `pending` and `newer` name those migrations."""

    status: str
    reason: str | None = None
    pending: list[str] = field(default_factory=list)
    newer: list[str] = field(default_factory=list)


async def _readiness() -> Readiness:
    try:
        connection = Tortoise.get_connection("default")
        await asyncio.wait_for(connection.execute_query("SELECT 1"), DATABASE_PROBE_SECONDS)
        state = await asyncio.wait_for(migration_state(connection), DATABASE_PROBE_SECONDS)
    except Exception:  # any failure to reach the store is the same answer: not ready
        return Readiness(status="unavailable", reason="database_unreachable")
    if state.current:
        return Readiness(status="ready")
    reason = "migrations_newer" if state.newer else "migrations_pending"
    return Readiness(status="unavailable", reason=reason, pending=list(state.pending), newer=list(state.newer))


class HealthApi(Controller):
    path = ""
    tags = ["operations"]

    @get("/healthz", name="healthz", summary="The process is up")
    async def healthz(self) -> Response[Health]:
        return Response(Health(status="ok"), headers=NO_STORE)

    @get(
        "/readyz", name="readyz", summary="The database is reachable and its migrations are current",
        responses={503: ResponseSpec(data_container=Readiness, description="Not ready; `reason` says why")},
    )
    async def readyz(self) -> Response[Readiness]:
        readiness = await _readiness()
        return Response(readiness, status_code=200 if readiness.status == "ready" else 503, headers=NO_STORE)
