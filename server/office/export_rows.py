"""The export's visits in chunks, in the dashboard's order, without ever holding them all.

The dashboard orders by (new first, urgent → concern → the rest, newest first, id). That order is
its six segments (OFFICE_SEGMENTS in server/office/order.py). A segment is read as its
index ranges (one per review state and status), each walked newest first by keyset
(occurred_at, id), CHUNK rows at a time, and merged here in that order: no store ever sorts a
segment (ten years: 150,000 reviewed visits) for every page. Each chunk carries what its rows show
(group, address, author, assignee: joined in the same query, read as plain values) and its duplicate flags (one
window query per chunk), so memory stays at one chunk whatever the committee's history.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import Q

from server.db import long_reads
from server.db.raw import Params
from server.models import Visit
from server.office.filters import VisitFilters, visit_queryset
from server.office.order import DUPLICATE_WINDOW, OFFICE_SEGMENTS, segment_ranges

CHUNK = 2000
# What a row of the export shows, read as plain values joined in the chunk's one query (Tortoise
# models with select_related cost four times as much to build, and nothing here is written).
ROW = {
    name: name for name in (
        "id", "occurred_at", "received_at", "household_id", "kind", "status", "review_state", "notes",
        "follow_up_needed", "follow_up_due", "follow_up_office_due", "has_conflict", "withdrawn", "version",
        "resident_ids", "voided_at", "void_reason",
    )
} | {
    "group": "household__building_group__name", "address": "household__address",
    "author": "author__display_name", "assignee": "follow_up_assignee__display_name",
}
async def visit_chunks(
    community_id: int | None, filters: VisitFilters, chunk: int | None = None
) -> AsyncIterator[tuple[list[dict[str, Any]], set[uuid.UUID]]]:
    """(visits, ids flagged as likely duplicates) per chunk, in the dashboard's order."""
    chunk = chunk or CHUNK
    query = visit_queryset(community_id, filters)
    for key in OFFICE_SEGMENTS:
        visits: list[dict[str, Any]] = []
        async for row in _merged([query.filter(**where) for where in segment_ranges(*key)], chunk):
            visits.append(row)
            if len(visits) == chunk:
                yield await _described(community_id, visits), await duplicate_ids(community_id, visits)
                visits = []
        if visits:
            yield await _described(community_id, visits), await duplicate_ids(community_id, visits)


async def _described(community_id: int | None, visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds to each row the names of the residents seen ("residents") and the office's comments,
    oldest first ("comments": (when, who, text) of the events that carry one): two queries per
    chunk, by primary key and by visit_review_event(visit_id, id). Written as plain SQL: building
    two 2,000-value IN lists through the query builder cost more than running them. Turned into
    text with the rest of the row, in the worker thread (exports.table_rows)."""
    conn = long_reads()
    seen = sorted({int(i) for v in visits for i in (v["resident_ids"] or []) if str(i).isdigit()})
    names: dict[int, str] = {}
    if seen:
        params = Params(conn)
        _, rows = await conn.execute_query(
            f"SELECT id, name FROM resident WHERE community_id = {params.mark(community_id)} AND {params.one_of('id', seen)}",
            params.values,
        )
        names = {row["id"]: row["name"] for row in rows}
    params = Params(conn)
    _, rows = await conn.execute_query(
        "SELECT e.visit_id, e.at, u.display_name, e.comment FROM visit_review_event e"
        " LEFT JOIN app_user u ON u.id = e.actor_id"
        f" WHERE {params.one_of('e.visit_id', [v['id'] for v in visits])} AND e.comment <> '' ORDER BY e.visit_id, e.id",
        params.values,
    )
    comments: dict[str, list[tuple]] = {}
    for row in rows:
        comments.setdefault(str(row["visit_id"]), []).append((_when(row["at"]), row["display_name"], row["comment"]))
    for v in visits:
        v["residents"] = [names[int(i)] for i in (v["resident_ids"] or []) if str(i).isdigit() and int(i) in names]
        v["comments"] = comments.get(str(v["id"]), [])
    return visits


async def _range_rows(query: Any, chunk: int) -> AsyncIterator[dict[str, Any]]:
    """Every row of one index range, newest first, read `chunk` rows per query by keyset."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        page = query
        if after is not None:
            # The redundant `<=` lets both stores seek the index instead of walking it from
            # the newest row on every chunk.
            page = page.filter(occurred_at__lte=after[0]).filter(
                Q(occurred_at__lt=after[0]) | Q(occurred_at=after[0], id__gt=after[1])
            )
        rows = await page.using_db(long_reads()).order_by("-occurred_at", "id").limit(chunk).values(**ROW)
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        after = (rows[-1]["occurred_at"], rows[-1]["id"])


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _order_key(row: dict[str, Any]) -> tuple[int, str]:
    # (-occurred_at, id) exactly: whole microseconds, and the id as the stores order it (PostgreSQL
    # compares uuids by their bytes, SQLite their lower-case text: the same order as str()).
    when = _when(row["occurred_at"])
    assert when is not None  # occurred_at is NOT NULL
    return -((when - _EPOCH) // _MICROSECOND), str(row["id"])


async def _merged(ranges: list[Any], chunk: int) -> AsyncIterator[dict[str, Any]]:
    """The rows of disjoint ranges in one (-occurred_at, id) order, each range read in its own."""
    streams = [_range_rows(query, chunk) for query in ranges]
    heap: list[tuple[tuple[int, str], int, dict[str, Any]]] = []
    for index, stream in enumerate(streams):
        row = await anext(stream, None)
        if row is not None:
            heapq.heappush(heap, (_order_key(row), index, row))
    while heap:
        _, index, row = heapq.heappop(heap)
        yield row
        following = await anext(streams[index], None)
        if following is not None:
            heapq.heappush(heap, (_order_key(following), index, following))


def _when(value: Any) -> datetime | None:
    # SQLite hands raw rows back as text; PostgreSQL as datetimes.
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


async def duplicate_ids(community_id: int | None, visits: list[dict[str, Any]]) -> set[uuid.UUID]:
    """The same rule as queries.likely_duplicates (another live entry, same household and kind,
    within DUPLICATE_WINDOW), answered by the database for a chunk: a visit has such a twin
    exactly when its nearest neighbour in time (same household and kind) is that close, so a
    window over the chunk's households and time span (± the window) finds it."""
    live = [v for v in visits if not v["withdrawn"] and v["voided_at"] is None]
    if not live:
        return set()
    conn = long_reads()
    households = sorted({v["household_id"] for v in live})
    lo = min(v["occurred_at"] for v in live) - DUPLICATE_WINDOW
    hi = max(v["occurred_at"] for v in live) + DUPLICATE_WINDOW
    # Bound as Tortoise binds occurred_at in its own filters (SQLite compares UTC text).
    time_field = Visit._meta.fields_map["occurred_at"]
    params = Params(conn)
    false = "false" if params.postgres else "0"
    sql = f"""
        SELECT id, occurred_at, prev_at, next_at FROM (
            SELECT id, occurred_at,
                   LAG(occurred_at) OVER w AS prev_at, LEAD(occurred_at) OVER w AS next_at
            FROM visit
            WHERE community_id = {params.mark(community_id)} AND withdrawn = {false} AND voided_at IS NULL
              AND occurred_at >= {params.mark(time_field.to_db_value(lo, Visit))}
              AND occurred_at <= {params.mark(time_field.to_db_value(hi, Visit))}
              AND {params.one_of("household_id", households)}
            WINDOW w AS (PARTITION BY household_id, kind ORDER BY occurred_at)
        ) AS near WHERE {params.one_of("id", [v["id"] for v in live])}"""
    _, rows = await conn.execute_query(sql, params.values)
    found: set[uuid.UUID] = set()
    for row in rows:
        at, prev_at, next_at = _when(row["occurred_at"]), _when(row["prev_at"]), _when(row["next_at"])
        if (prev_at is not None and at - prev_at <= DUPLICATE_WINDOW) or (
            next_at is not None and next_at - at <= DUPLICATE_WINDOW
        ):
            found.add(row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"])))
    return found
