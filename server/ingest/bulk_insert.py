"""Inserts many rows of one model with one prepared statement run as executemany.

No Model instance is built per row: for a push of 500 new visits (with their revisions and
residents seen) building ~1,500 instances cost more than the insert itself. Each value is encoded as
Tortoise's `bulk_create` would: through its field's own `to_db_value` (JSON, UUIDs, enums,
dates). Values that `to_db_value` would hand back unchanged (a plain value of the column's type,
an aware datetime) or as their code (an enum member) skip it (`encoder`): it re-checked each of
the 40 values of every visit and was a fifth of a push's time. A column left out of a row gets
its field's default.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from tortoise.fields.base import Field
from tortoise.fields.data import CharEnumFieldInstance, DatetimeField
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
    encoders = [(column, field, encoder(field)) for column, field in columns]
    values = [
        [encode(row[column]) if column in row else field.to_db_value(_default(field), None) for column, field, encode in encoders]
        for row in rows
    ]
    await conn.execute_many(executor.insert_query, values)


def encoder(field: Field) -> Callable[[Any], Any]:
    """The field's `to_db_value` for a row being inserted, with a shortcut for the values a push
    carries that it would hand back as they are (or as their code): a plain value of the column's
    own type, an aware datetime, a member of the column's enum. Anything else takes the full path."""
    full = partial(field.to_db_value, instance=None)
    if type(field).to_db_value is Field.to_db_value:
        kind = field.field_type
        return lambda value: value if value is None or type(value) is kind else full(value)
    if type(field).to_db_value is DatetimeField.to_db_value and not field.validators:
        return lambda value: value if type(value) is datetime and value.tzinfo is not None else full(value)
    enum_type = getattr(field, "enum_type", None)
    if type(field).to_db_value is CharEnumFieldInstance.to_db_value and issubclass(enum_type, str):
        # str(member.value) for a str enum is its value.
        return lambda value: value.value if type(value) is enum_type else full(value)
    return full


def _default(field: Any) -> Any:
    return field.default() if callable(field.default) else field.default
