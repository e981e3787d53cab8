"""Years of history for a committee, generated in seconds: the visits there are, copied back in time.

`add_history(copies=18)` on a store holding the demo committee (≈ 10,500 visits over six months)
gives ≈ 200,000 visits over about ten years, with their visit_resident, visit_revision and
visit_review_event rows. Set-based: one INSERT … SELECT per table for all copies (a recursive
CTE numbers them), so the rows never pass through Python. Used by bench/scale.py and by
tests/test_query_plans.py.

Copy k of a visit is the same visit moved k × span days earlier (span: the days the history
covers), with a new id: the original's id with its first 8 hex digits replaced by k, so the
child rows find their copied visit without a lookup table. Everything else is as written
(review state, notes, authors), which is what the pages then have to cope with.
"""

from __future__ import annotations

from datetime import datetime

from tortoise import Tortoise, fields
from tortoise.models import Model

from bench.stores import settle
from server.models import Visit, VisitResident, VisitReviewEvent, VisitRevision

DEMO_COPIES = 18  # the demo's six months + 18 copies ≈ 9.5 years, ≈ 200,000 visits


def _dialect(conn) -> str:
    return conn.capabilities.dialect


def _columns(model: type[Model]) -> list[tuple[str, str]]:
    """(column, kind) for every stored column but an integer id; kind: id / visit / ts / date / plain."""
    out = []
    for name, field in model._meta.fields_map.items():
        if isinstance(field, (fields.relational.ForeignKeyFieldInstance, fields.relational.ManyToManyFieldInstance,
                              fields.relational.BackwardFKRelation)):
            continue  # the *_id source field is listed on its own
        if field.pk and model is not Visit:
            continue  # serial: the store numbers the copies
        column = field.source_field or name
        if model is Visit and field.pk:
            kind = "id"
        elif column == "visit_id":
            kind = "visit"
        elif isinstance(field, fields.DatetimeField):
            kind = "ts"
        elif isinstance(field, fields.DateField):
            kind = "date"
        else:
            kind = "plain"
        out.append((column, kind))
    return out


def _expression(dialect: str, column: str, kind: str, span_days: int) -> str:
    col = f'src."{column}"'
    if dialect == "postgres":
        if kind in ("id", "visit"):
            return f"(lpad(to_hex(copies.k), 8, '0') || substr({col}::text, 9))::uuid"
        if kind == "ts":
            return f"{col} - make_interval(days => copies.k * {span_days})"
        if kind == "date":
            return f"{col} - copies.k * {span_days}"
        return col
    # SQLite keeps uuids as text, times as 'YYYY-MM-DD HH:MM:SS+00:00', dates as 'YYYY-MM-DD'.
    if kind in ("id", "visit"):
        return f"printf('%08x', copies.k) || substr({col}, 9)"
    if kind == "ts":
        return f"datetime({col}, '-' || (copies.k * {span_days}) || ' days') || '+00:00'"
    if kind == "date":
        return f"date({col}, '-' || (copies.k * {span_days}) || ' days')"
    return col


def copy_sql(dialect: str, model: type[Model], community_id: int, copies: int, span_days: int) -> str:
    cols = _columns(model)
    table = model._meta.db_table
    target = ", ".join(f'"{c}"' for c, _ in cols)
    values = ", ".join(_expression(dialect, c, k, span_days) for c, k in cols)
    if model is Visit:
        scope = f"src.community_id = {int(community_id)}"
    else:
        scope = f"src.visit_id IN (SELECT id FROM visit WHERE community_id = {int(community_id)})"
    return (
        f"WITH RECURSIVE copies(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM copies WHERE k < {int(copies)}) "
        f'INSERT INTO "{table}" ({target}) SELECT {values} FROM "{table}" src CROSS JOIN copies WHERE {scope}'
    )


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def add_history(community_id: int, copies: int = DEMO_COPIES, analyze: bool = True) -> dict[str, int]:
    """Copy the community's visits `copies` times back in time; returns the row counts after."""
    conn = Tortoise.get_connection("default")
    dialect = _dialect(conn)
    row = (await conn.execute_query_dict(
        f"SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM visit WHERE community_id = {int(community_id)}"
    ))[0]
    first, last = row["first"], row["last"]
    if first is None:
        return {}
    span_days = (_as_datetime(last).date() - _as_datetime(first).date()).days + 1
    # Parents first: a copied child row points at its copied visit (foreign keys stay on).
    for model in (Visit, VisitResident, VisitRevision, VisitReviewEvent):
        await conn.execute_script(copy_sql(dialect, model, community_id, copies, span_days))
    if analyze:
        await settle("visit", "visit_resident", "visit_revision", "visit_review_event")
    counts = {}
    for model in (Visit, VisitResident, VisitRevision, VisitReviewEvent):
        counts[model._meta.db_table] = await model.all().count()
    return counts
