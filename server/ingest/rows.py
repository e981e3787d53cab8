"""The rows a pushed visit becomes: the only place a visit, its revision and its residents seen are
made, for the batch and the one-record path alike (server/ingest/store.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sync.records import APPLIED
from sync.scope import PushContext
from sync.store import HouseholdRef
from sync.validate import VisitData, VisitRecord


def visit_row(record: VisitRecord, household: HouseholdRef, push: PushContext) -> dict[str, Any]:
    return {
        "id": record.id,
        "community_id": household.community_id,
        "household_id": household.id,
        "author_id": push.user.id,
        "device_id": push.device_id,
        "client_time": record.client_time,
        "received_at": push.now,
        "version": 1,
        "content_hash": record.content_hash,
        "updated_at": push.now,
        **content_fields(record),
    }


def content_fields(record: VisitRecord) -> dict[str, Any]:
    """The fields the leader owns, as the record carries them (an update replaces all of them)."""
    data = record.data
    return {
        "kind": data.kind,
        "status": data.status,
        "occurred_at": data.occurred_at,
        "notes": data.notes,
        "follow_up_needed": data.follow_up_needed,
        "follow_up_due": data.follow_up_due,
        "resident_ids": list(data.resident_ids),
        "withdrawn": data.withdrawn,
    }


def seen_rows(visit_id: UUID, data: VisitData) -> list[dict[str, Any]]:
    """VisitResident rows: which residents the visit saw, with its time and kind (for due checks)."""
    return [
        {"visit_id": visit_id, "resident_id": rid, "occurred_at": data.occurred_at, "kind": data.kind}
        for rid in data.resident_ids
    ]


def revision_row(record: VisitRecord, push: PushContext, *, version: int, outcome: str = APPLIED) -> dict[str, Any]:
    return {
        "visit_id": record.id,
        "op": record.op,
        "base_version": record.base_version,
        "version": version,
        "outcome": outcome,
        "content_hash": record.content_hash,
        "data": record.data.to_json(),
        "author_id": push.user.id,
        "device_id": push.device_id,
        "client_time": record.client_time,
        "received_at": push.now,
    }
