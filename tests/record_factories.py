"""Records as a phone sends them, for the `answer` and `roster_change` types (visit: test_ingest),
and a push of them to the ingest."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.ingest import apply_records

CLIENT_TIME = "2026-11-26T10:00:00+08:00"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)  # CLIENT_TIME, as the server's clock


def spoiled(record: dict, *, top: dict | None = None, drop: str | None = None, **data) -> dict:
    """The record with `data` changed, the key `drop` gone from its data, and `top` over its
    envelope: a record as a broken or hostile phone might send it."""
    record["data"].update(data)
    if drop:
        del record["data"][drop]
    record.update(top or {})
    return record


async def push(user, *records, now=NOW, device_id="phone-1"):
    """The records, as one push from a leader's phone reaching the ingest."""
    return await apply_records(list(records), user=user, device_id=device_id, now=now)


async def push_one(user, record, **kw):
    (result,) = await push(user, record, **kw)
    return result


def answer_record(question, text: str = "老人说是降压药，已经提醒按时吃。", *, id: str | None = None, **top):
    question_id = question if isinstance(question, int) else question.id
    return {
        "id": id or str(uuid.uuid4()), "type": "answer", "op": "create", "base_version": None,
        "client_time": CLIENT_TIME, "data": {"question_id": question_id, "text": text}, **top,
    }


def roster_record(household, change: str = "update", *, resident=None, fields: dict | None = None,
                  note: str = "", id: str | None = None, **data_changes):
    household_id = household if isinstance(household, int) else household.id
    resident_id = resident if resident is None or isinstance(resident, int) else resident.id
    data = {
        "household_id": household_id, "resident_id": resident_id, "change": change,
        "fields": fields if fields is not None else ({"phone": "13812345678"} if change == "update" else {}),
        "note": note,
    }
    data.update(data_changes)
    return {
        "id": id or str(uuid.uuid4()), "type": "roster_change", "op": "create", "base_version": None,
        "client_time": CLIENT_TIME, "data": data,
    }


def new_resident_record(household, **fields):
    person = {"name": "周小红", "gender": "F", "birth_year": 1952, "phone": None, "care_flags": ["lives_alone"]}
    person.update(fields)
    return roster_record(household, "new_resident", fields=person, note="刚从外地搬来和女儿住")
