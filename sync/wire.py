"""Protocol 1's JSON shapes as msgspec Structs: the contract as published in the OpenAPI schema.

Three record types share the envelope, told apart by `type`: `visit`, `answer` (a leader's
answer to a question the office sent back with a visit) and `roster_change` (a proposed change
to a household's residents, applied only when the office approves).

Documentation only: a push is checked by sync/validate.py (record by record, so one bad record
cannot refuse the batch), which must agree with these shapes; tests/test_sync_api.py checks that
the published schema carries the protocol's limits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from sync.vocabulary import CareFlag, RosterChangeKind, VisitKind, VisitStatus
from sync.records import (
    MAX_DEVICE_ID_CHARS, MAX_NOTES_CHARS, MAX_RECORDS, MAX_RESIDENTS_SEEN, MAX_TEXT_CHARS, PROTOCOL,
)
from sync.form_rules import MAX_NAME_CHARS, MAX_PHONE_CHARS, MIN_BIRTH_YEAR


# The store's text rule (sync/fields.py) as a JSON Schema pattern.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def _doc(text: str, **constraints: Any) -> msgspec.Meta:
    return msgspec.Meta(description=text, **constraints)


class SyncVisitData(msgspec.Struct, kw_only=True):
    household_id: Annotated[int, _doc("A household in one of your building groups.")]
    resident_ids: Annotated[
        list[int], _doc("Current residents of that household seen on the visit.", max_length=MAX_RESIDENTS_SEEN)
    ] = []
    kind: VisitKind
    occurred_at: Annotated[datetime, _doc("When the visit happened, ISO-8601 with a time zone (phone's clock).")]
    status: VisitStatus
    notes: Annotated[str, _doc("Up to 2,000 characters.", max_length=MAX_NOTES_CHARS)] = ""
    follow_up_needed: bool = False
    follow_up_due: Annotated[
        date | None, _doc("YYYY-MM-DD; required when follow_up_needed; from the visit's day to 730 days after.")
    ] = None
    withdrawn: Annotated[bool, _doc("true on an update withdraws the visit (kept, marked withdrawn).")] = False


class SyncAnswerData(msgspec.Struct, kw_only=True):
    question_id: Annotated[int, _doc("A question the office asked about a visit to a household of your groups.")]
    text: Annotated[str, _doc("The answer: 1 to 2,000 characters.", min_length=1, max_length=MAX_TEXT_CHARS)]


class SyncRosterFields(msgspec.Struct, kw_only=True):
    """Proposed values; a null (or left-out) field proposes nothing."""

    name: Annotated[str, _doc("One line.", min_length=1, max_length=MAX_NAME_CHARS)] | None = None
    gender: Annotated[Literal["M", "F"] | None, _doc("M (男) or F (女).")] = None
    birth_year: Annotated[int, _doc("Not before 1900 nor after this year.", ge=MIN_BIRTH_YEAR)] | None = None
    phone: Annotated[
        str, _doc("Digits, spaces and + - ( ).", pattern=r"^[0-9+\-() ]{3,30}$", max_length=MAX_PHONE_CHARS)
    ] | None = None
    care_flags: Annotated[list[CareFlag] | None, _doc("The complete new list of care flags ([] clears them).")] = None


class SyncRosterChangeData(msgspec.Struct, kw_only=True):
    household_id: Annotated[int, _doc("A household in one of your building groups.")]
    resident_id: Annotated[
        int | None, _doc("A current resident of that household; null for new_resident (required otherwise).")
    ] = None
    change: Annotated[
        RosterChangeKind,
        _doc("new_resident (needs fields.name, gender, birth_year), moved, deceased (no fields), update (1+ field)."),
    ]
    fields: SyncRosterFields = msgspec.field(default_factory=SyncRosterFields)
    note: Annotated[str, _doc("Up to 2,000 characters.", max_length=MAX_TEXT_CHARS)] = ""


class SyncVisitRecord(msgspec.Struct, kw_only=True, tag_field="type", tag="visit"):
    """A home visit or elderly check (create, or update of the leader's own visit)."""

    id: Annotated[str, _doc("UUID made on the phone when the entry was saved.", pattern=r"^[0-9a-fA-F-]{36}$")]
    op: Literal["create", "update"]
    base_version: Annotated[int | None, _doc("null on create; the version an update was made from.")] = None
    client_time: Annotated[datetime | None, _doc("When the phone saved the entry, with a time zone.")] = None
    data: SyncVisitData


SyncRecord = SyncVisitRecord  # the name of protocol 1's only record type before answer and roster_change


class SyncAnswerRecord(msgspec.Struct, kw_only=True, tag_field="type", tag="answer"):
    """A leader's answer to a question the office sent back (需补充). Create only; version is always 1."""

    id: Annotated[str, _doc("UUID made on the phone when the answer was saved.", pattern=r"^[0-9a-fA-F-]{36}$")]
    op: Literal["create"]
    base_version: Annotated[None, _doc("Always null.")] = None
    client_time: Annotated[datetime | None, _doc("When the phone saved the entry, with a time zone.")] = None
    data: SyncAnswerData


class SyncRosterChangeRecord(msgspec.Struct, kw_only=True, tag_field="type", tag="roster_change"):
    """A proposed roster change, applied only when the office approves. Create only; version is always 1."""

    id: Annotated[str, _doc("UUID made on the phone when the proposal was saved.", pattern=r"^[0-9a-fA-F-]{36}$")]
    op: Literal["create"]
    base_version: Annotated[None, _doc("Always null.")] = None
    client_time: Annotated[datetime | None, _doc("When the phone saved the entry, with a time zone.")] = None
    data: SyncRosterChangeData


class SyncPushRequest(msgspec.Struct, kw_only=True):
    protocol: Literal[1]
    device_id: Annotated[
        str, _doc("Made once per install.", max_length=MAX_DEVICE_ID_CHARS, pattern=NO_CONTROL_CHARACTERS)
    ] | None = None
    records: Annotated[
        list[SyncVisitRecord | SyncAnswerRecord | SyncRosterChangeRecord],
        _doc(
            "Applied in order, each on its own; an unknown `type` is rejected as unknown_type.",
            max_length=MAX_RECORDS,
        ),
    ]


class SyncRecordError(msgspec.Struct, kw_only=True):
    code: Annotated[
        str,
        _doc(
            "Stable code: invalid_record, invalid_id, unknown_type, invalid_op, missing_field, invalid_field, "
            "unknown_field, notes_too_long, text_too_long, occurred_in_future, occurred_too_old, forbidden_role, "
            "out_of_scope, invalid_resident, not_found, not_author, id_reused, too_many_residents, "
            "date_out_of_range, voided (an update of a visit the office voided; nothing changed)."
        ),
    ]
    message: Annotated[str, _doc("For the user, in Simplified Chinese.")]
    field: Annotated[
        str | None, _doc("The protocol field at fault; nested ones dotted, e.g. fields.birth_year.")
    ] = None


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
    phone wipes its data on session_revoked), 403 csrf_failed, 400 invalid_request."""

    error: str
    message: str | None = None
    field: Annotated[str | None, _doc("invalid_request: the parameter or field at fault.")] = None


def inline_json_schema(struct: type) -> dict[str, Any]:
    """msgspec's JSON Schema with its $defs written in place (they would not resolve inside OpenAPI)."""
    schema = msgspec.json.schema(struct)
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                # Keys beside the $ref (a field's description) stay, over the definition's own.
                siblings = {key: resolve(value) for key, value in node.items() if key != "$ref"}
                return {**resolve(definitions[ref.removeprefix("#/$defs/")]), **siblings}
            if "propertyName" in node and "mapping" in node:
                # A discriminator's mapping names $defs that are written in place: the variants'
                # own `type` enums say the same.
                return {"propertyName": node["propertyName"]}
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)
