"""Reads a push's envelope (protocol, device, records) from raw bytes, or refuses the whole push.

Only the envelope can refuse a push; whatever is wrong inside a record is that record's own
`rejected` result (sync/apply.py). The HTTP statuses are the protocol's (sync-protocol.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sync.fields import storable
from sync.records import MAX_BODY_BYTES, MAX_DEVICE_ID_CHARS, MAX_RECORDS, PROTOCOL

# Envelope error codes (the "error" of a refused push).
INVALID_JSON = "invalid_json"
WRONG_PROTOCOL = "wrong_protocol"
INVALID_ENVELOPE = "invalid_envelope"
TOO_MANY_RECORDS = "too_many_records"
TOO_LARGE = "too_large"


class EnvelopeRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "error": self.code, "message": self.message}


def too_large() -> EnvelopeRefused:
    return EnvelopeRefused(413, TOO_LARGE, "一次同步的数据超过 1 MB，请分几次同步。")


@dataclass(frozen=True)
class Push:
    device_id: str | None  # None when the client did not say
    records: list[Any]  # each still unchecked: apply_records judges them one by one


def parse_push(body: bytes) -> Push:
    if len(body) > MAX_BODY_BYTES:
        raise too_large()
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # bad JSON or UTF-8; absurdly deep nesting
        raise EnvelopeRefused(400, INVALID_JSON, "同步数据不是有效的 JSON。") from None
    protocol = envelope.get("protocol") if isinstance(envelope, dict) else None
    if type(protocol) is not int or protocol != PROTOCOL:
        raise EnvelopeRefused(
            400, WRONG_PROTOCOL, f"同步协议版本不对：服务器使用第 {PROTOCOL} 版（\"protocol\": {PROTOCOL}），请更新应用。"
        )
    records = envelope.get("records")
    if not isinstance(records, list):
        raise EnvelopeRefused(422, INVALID_ENVELOPE, "同步数据缺少记录列表（\"records\"）。")
    if len(records) > MAX_RECORDS:
        raise EnvelopeRefused(413, TOO_MANY_RECORDS, f"一次最多同步 {MAX_RECORDS} 条记录，请分几次同步。")
    return Push(_device_id(envelope.get("device_id")), records)


def _device_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_DEVICE_ID_CHARS or not storable(value):
        # The store's rule for any text (sync/fields.py); isprintable() also refused characters
        # Unicode has not assigned yet, which the published schema allows.
        raise EnvelopeRefused(
            422, INVALID_ENVELOPE, f"设备编号（\"device_id\"）应为不超过 {MAX_DEVICE_ID_CHARS} 个字符的文字。"
        )
    return value
