"""Elderly checks as of a moment: each flagged resident's last check counting only visits the
server had received by then and that were not voided by then.

The rule is `server.checks.rules` (check_status, the interval); this is `server.checks.rules.last_checks`
with the moment's conditions added, one indexed look-up per resident (newest first, stop at the
first that counts), so a month of ten years costs what a month of one year does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from tortoise import Tortoise

from server.monthly_pack.month_visits import aware

CHUNK = 500


async def last_checks_as_of(resident_ids: Sequence[int], moment: datetime) -> dict[int, datetime]:
    ids = sorted(set(resident_ids))
    found: dict[int, datetime] = {}
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    bound: Any = moment if postgres else moment.astimezone(timezone.utc).isoformat(" ")
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        if postgres:
            listed = ",".join(f"${i + 2}" for i in range(len(chunk)))
            m = "$1"
        else:
            listed = ",".join("?" for _ in chunk)
            m = "?"
        sql = (
            "SELECT r.id AS resident_id, (SELECT vr.occurred_at FROM visit_resident vr"
            " JOIN visit v ON v.id = vr.visit_id"
            f" WHERE vr.resident_id = r.id AND vr.occurred_at < {m} AND NOT v.withdrawn"
            f" AND v.received_at < {m} AND (v.voided_at IS NULL OR v.voided_at >= {m})"
            " ORDER BY vr.occurred_at DESC LIMIT 1) AS last_checked"
            f" FROM resident r WHERE r.id IN ({listed})"
        )
        values = [bound, *chunk] if postgres else [bound, bound, bound, *chunk]
        for row in await conn.execute_query_dict(sql, values):
            if row["last_checked"] is not None:
                found[row["resident_id"]] = aware(row["last_checked"])
    return found


async def seen_since(community_id: int, since: datetime, moment: datetime) -> dict[int, datetime]:
    """Each resident's last check in [since, moment), one statement over that range of visits
    (visit.occurred_at, then each visit's residents): a resident not seen since `since` is
    overdue whatever the exact day, so the page needs no look-up into anyone's older history."""
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    if postgres:
        values: list[Any] = [community_id, since, moment]
        c, s, m = "$1", "$2", "$3"
    else:
        values = [community_id, since.astimezone(timezone.utc).isoformat(" "), moment.astimezone(timezone.utc).isoformat(" ")]
        values = [values[0], values[1], values[2], values[2], values[2]]
        c, s, m = "?", "?", "?"
    rows = await conn.execute_query_dict(
        "SELECT vr.resident_id AS resident_id, MAX(v.occurred_at) AS last_checked"
        " FROM visit v JOIN visit_resident vr ON vr.visit_id = v.id"
        f" WHERE +v.community_id = {c} AND v.occurred_at >= {s} AND v.occurred_at < {m} AND NOT v.withdrawn"
        f" AND v.received_at < {m} AND (v.voided_at IS NULL OR v.voided_at >= {m})"
        " GROUP BY vr.resident_id",
        values,
    )
    return {row["resident_id"]: aware(row["last_checked"]) for row in rows}
