"""Protocol 1's constants and the per-record result every push answers (sync-protocol.md).

Record types: `visit` (sync/validate.py, sync/apply.py), and, in the same envelope with the same
statuses and error shape, `answer` (sync/answer.py: the leader's answer to an office question)
and `roster_change` (sync/roster.py: a proposed change to a household's residents).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROTOCOL = 1
MAX_RECORDS = 500
MAX_BODY_BYTES = 1024 * 1024
MAX_NOTES_CHARS = 2000
MAX_TEXT_CHARS = 2000  # an answer's text, a roster change's note
MAX_RESIDENTS_SEEN = 100  # a visit's resident_ids: far above any household, far below the store's limits
MAX_DEVICE_ID_CHARS = 64  # DeviceSession.device_id / Visit.device_id column width

# Per-record statuses.
APPLIED = "applied"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"

# Record types and operations of protocol 1.
VISIT = "visit"
ANSWER = "answer"
ROSTER_CHANGE = "roster_change"
RECORD_TYPES = (VISIT, ANSWER, ROSTER_CHANGE)
CREATE = "create"
UPDATE = "update"

# Stable error codes of a rejected record; the phone may branch on them, so never rename one.
INVALID_RECORD = "invalid_record"  # the record is not a JSON object
INVALID_ID = "invalid_id"  # id is not a UUID string
UNKNOWN_TYPE = "unknown_type"
INVALID_OP = "invalid_op"
MISSING_FIELD = "missing_field"
INVALID_FIELD = "invalid_field"  # wrong type, format or value
UNKNOWN_FIELD = "unknown_field"  # a key the protocol does not have (would be silently lost)
NOTES_TOO_LONG = "notes_too_long"  # a visit's notes
TEXT_TOO_LONG = "text_too_long"  # an answer's text, a roster change's note
OCCURRED_IN_FUTURE = "occurred_in_future"  # more than a day ahead of the server's clock
OCCURRED_TOO_OLD = "occurred_too_old"  # more than a year ago
FORBIDDEN_ROLE = "forbidden_role"  # only leaders push records
OUT_OF_SCOPE = "out_of_scope"  # household (or question) missing, or not in this leader's building groups
INVALID_RESIDENT = "invalid_resident"  # not a current resident of that household
NOT_FOUND = "not_found"  # update of a visit that does not exist (or is in another community)
NOT_AUTHOR = "not_author"  # update of someone else's visit
ID_REUSED = "id_reused"  # create with an id already used for other content (of any type)
VOIDED = "voided"  # update (or withdrawal) of a visit the office has voided (作废): nothing changed
TOO_MANY_RESIDENTS = "too_many_residents"  # a visit naming more than MAX_RESIDENTS_SEEN residents
DATE_OUT_OF_RANGE = "date_out_of_range"  # a follow-up date before the visit, or years after it


@dataclass
class RecordError:
    code: str
    message: str  # Simplified Chinese: the phone shows it to the leader as is
    field: str | None = None  # a protocol field name (data's or the record's), for the form

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field}


@dataclass
class RecordResult:
    id: str
    status: str
    version: int | None = None
    error: RecordError | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "status": self.status, "version": self.version}
        if self.error is not None:
            body["error"] = self.error.to_json()
        return body


class Rejected(Exception):
    """Raised anywhere while handling one record; becomes that record's `rejected` result."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.error = RecordError(code, message, field)
