"""Inserts many rows of one model with one prepared statement run as executemany.

No Model instance is built per row: for a push of 500 new visits (with their revisions and
residents seen) building ~1,500 instances cost more than the insert itself. Each value is encoded as
Tortoise's `bulk_create` would: through its field's own `to_db_value` (JSON, UUIDs, enums,
dates). Plain columns (text, integers, booleans) whose value already has the column's Python type
are passed as they are: the base `to_db_value` would only coerce and re-check them, and that was
a sixth of a push's time; any other value still takes the full path. A column left out of a row
gets its field's default.
"""

from __future__ import annotations

from typing import Any

from tortoise.fields.base import Field
from tortoise.models import Model


async def insert_many(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Rows are dicts by column name (`author_id`, not `author`); the pk only where it is not
    generated. Runs on the current transaction's connection when there is one."""
    if not rows:
        return
    conn = model._choose_db(True)
    executor = conn.executor_class(model=model, db=conn)
    meta = model._meta
    columns = [(column, meta.fields_map[meta.fields_db_projection_reverse[column]]) for column in executor.regular_columns]
    encoders = [(column, field, _is_plain(field)) for column, field in columns]
    values = [
        [_encode(row[column] if column in row else _default(field), field, plain) for column, field, plain in encoders]
        for row in rows
    ]
    await conn.execute_many(executor.insert_query, values)


def _is_plain(field: Field) -> bool:
    return type(field).to_db_value is Field.to_db_value


def _encode(value: Any, field: Field, plain: bool) -> Any:
    if plain and (value is None or type(value) is field.field_type):
        return value
    return field.to_db_value(value, None)


def _default(field: Any) -> Any:
    return field.default() if callable(field.default) else field.default
