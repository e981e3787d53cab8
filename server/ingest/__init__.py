"""Applies pushed records to the database: sync/'s apply logic (sync/apply.py) on the Tortoise store.

`apply_records` is the one write path of the leader's entries, for POST /api/sync/push and the
leader's HTML forms alike. The decisions are sync/'s; this package reads and writes
(server/ingest/store.py) and gives the logic the server's clock and the committee's time zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from server.core.clock import local_zone, now_utc
from server.ingest.store import TortoiseStore
from server.models import User
from sync import apply
from sync.records import RecordResult


async def apply_records(
    records: list[Any], *, user: User, device_id: str, now: datetime | None = None, zone: tzinfo | None = None
) -> list[RecordResult]:
    """One result per record, in order (sync.apply.apply_records); `now` defaults to the clock,
    `zone` to the settings' time zone."""
    return await apply.apply_records(
        records,
        store=TortoiseStore(),
        user=user,
        device_id=device_id,
        now=now or now_utc(),
        zone=zone or local_zone(),
    )
