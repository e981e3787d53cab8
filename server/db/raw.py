"""Plain SQL beside the ORM, written once for both stores: parameter marks and "one of these".

Some hot reads are plain SQL because building them through the query builder cost more than
running them (a push's look-ups, an export's chunks). PostgreSQL numbers its parameters ($1),
SQLite does not (?). A list is one array parameter on PostgreSQL (`= ANY($n)`), so the statement's
text and its prepared plan are the same whatever the list's length; on SQLite it is `IN (?, …)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient


class Params:
    """The parameters of one statement, added in the order their marks appear in its text."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.postgres = conn.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def mark(self, value: Any) -> str:
        """The mark of one more parameter, e.g. `community_id = {params.mark(7)}`."""
        self.values.append(str(value) if isinstance(value, UUID) and not self.postgres else value)
        return f"${len(self.values)}" if self.postgres else "?"

    def one_of(self, column: str, values: Sequence[Any]) -> str:
        """`column` is one of `values` (never empty: an empty list matches nothing)."""
        if not values:
            return "1 = 0"
        if self.postgres:
            return f"{column} = ANY({self.mark(list(values))})"
        return f"{column} IN ({', '.join(self.mark(v) for v in values)})"
