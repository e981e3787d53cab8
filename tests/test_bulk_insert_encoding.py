"""The bulk insert's shortcut encoders give exactly what each field's own to_db_value gives for
every value it accepts: the push's rows must be stored as the ORM would store them (SQLite
compares times as text). What it refuses (a None for a NOT NULL column, a text too long) never
reaches the insert: sync/validate refuses the record first, and the store's constraints stand."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from tortoise.exceptions import FieldError, ValidationError

from server.ingest.bulk_insert import encoder
from server.models import ReviewState, Visit, VisitKind, VisitResident, VisitRevision, VisitStatus

SAMPLES = [
    None, "", "leader's phone", "=1+1", 0, 7, True, False, uuid.uuid4(), str(uuid.uuid4()),
    datetime(2026, 11, 30, 9, 5, tzinfo=timezone.utc),
    datetime(2026, 11, 30, 17, 5, tzinfo=timezone(timedelta(hours=8))),
    date(2026, 12, 1), [1, 2, 3], {"a": 1},
    VisitKind.ELDERLY_CHECK, "routine", VisitStatus.URGENT, "ok", ReviewState.NEW,
]


def _same(field, value):
    try:
        expected = field.to_db_value(value, None)
    except (ValueError, TypeError, ValidationError, FieldError):
        return
    got = encoder(field)(value)
    assert got == expected and type(got) is type(expected), (field.model_field_name, value, got, expected)


@pytest.mark.parametrize("model", [Visit, VisitRevision, VisitResident])
async def test_every_column_is_encoded_as_its_field_would(model, world):
    for field in model._meta.fields_map.values():
        if field.has_db_field:
            for value in SAMPLES:
                _same(field, value)
