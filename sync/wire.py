"""Protocol 1's JSON shapes as msgspec Structs: the contract as published in the OpenAPI schema.

Documentation only: a push is checked by sync/validate.py (record by record, so one bad record
cannot refuse the batch), which must agree with these shapes; tests/test_sync_api.py checks that
the published schema carries the protocol's limits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.models import VisitKind, VisitStatus
from sync.records import MAX_DEVICE_ID_CHARS, MAX_NOTES_CHARS, MAX_RECORDS, PROTOCOL


def _doc(text: str, **constraints: Any) -> msgspec.Meta:
    return msgspec.Meta(description=text, **constraints)


class SyncVisitData(msgspec.Struct, kw_only=True):
    household_id: Annotated[int, _doc("A household in one of your building groups.")]
    resident_ids: Annotated[list[int], _doc("Current residents of that household seen on the visit.")] = []
    kind: VisitKind
    occurred_at: Annotated[datetime, _doc("When the visit happened, ISO-8601 with a time zone (phone's clock).")]
    status: VisitStatus
    notes: Annotated[str, _doc("Up to 2,000 characters.", max_length=MAX_NOTES_CHARS)] = ""
    follow_up_needed: bool = False
    follow_up_due: Annotated[date | None, _doc("YYYY-MM-DD; required when follow_up_needed.")] = None
    withdrawn: Annotated[bool, _doc("true on an update withdraws the visit (kept, marked withdrawn).")] = False


class SyncRecord(msgspec.Struct, kw_only=True):
    id: Annotated[str, _doc("UUID made on the phone when the entry was saved.", pattern=r"^[0-9a-fA-F-]{36}$")]
    type: Literal["visit"]
    op: Literal["create", "update"]
    base_version: Annotated[int | None, _doc("null on create; the version an update was made from.")] = None
    client_time: Annotated[datetime | None, _doc("When the phone saved the entry, with a time zone.")] = None
    data: SyncVisitData


class SyncPushRequest(msgspec.Struct, kw_only=True):
    protocol: Literal[1]
    device_id: Annotated[str, _doc("Made once per install.", max_length=MAX_DEVICE_ID_CHARS)] | None = None
    records: Annotated[list[SyncRecord], _doc("Applied in order, each on its own.", max_length=MAX_RECORDS)]


class SyncRecordError(msgspec.Struct, kw_only=True):
    code: Annotated[str, _doc("Stable code, e.g. out_of_scope, id_reused, notes_too_long.")]
    message: Annotated[str, _doc("For the user, in Simplified Chinese.")]
    field: Annotated[str | None, _doc("The protocol field at fault.")] = None


class SyncRecordResult(msgspec.Struct, kw_only=True):
    id: str
    status: Literal["applied", "duplicate", "conflict", "rejected"]
    version: int | None = None
    error: SyncRecordError | None = None


class SyncPushResponse(msgspec.Struct, kw_only=True):
    protocol: Literal[1] = PROTOCOL
    server_time: Annotated[str, _doc("UTC, e.g. 2026-11-26T01:31:02Z.")]
    results: Annotated[list[SyncRecordResult], _doc("One per record, in request order.")]


class SyncEnvelopeError(msgspec.Struct, kw_only=True):
    protocol: Literal[1] = PROTOCOL
    error: Annotated[
        str, _doc("invalid_json, wrong_protocol, invalid_envelope, too_many_records or too_large; nothing stored.")
    ]
    message: Annotated[str, _doc("In Simplified Chinese.")]


class ApiError(msgspec.Struct, kw_only=True):
    """The app's refusal before a push is read: 401 session_expired / session_revoked (the
    phone wipes its data on session_revoked), 403 csrf_failed."""

    error: str
    message: str | None = None


def inline_json_schema(struct: type) -> dict[str, Any]:
    """msgspec's JSON Schema with its $defs written in place (they would not resolve inside OpenAPI)."""
    schema = msgspec.json.schema(struct)
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)
