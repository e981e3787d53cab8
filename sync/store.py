"""What applying records needs from a store: the few reads and writes sync/apply.py decides with.

The decisions (new, duplicate, id_reused, conflict, rejected) are made in sync/; a store only
answers what is stored and writes what it is told. server/ingest/store.py implements this with
Tortoise (one query per table for a whole batch, bulk inserts, row locks); the tests of the
pure core (tests/sync/) use one held in dicts. Rows come back as the small records below, never
as a store's own objects, except for `handle`: the store's row, handed back to it to write.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from sync.scope import PushContext
    from sync.validate import Record


class IdTaken(Exception):
    """An insert met an id stored since the store looked (a phone retrying while its first
    request still runs). The transaction it was raised in has been rolled back."""


class Author(Protocol):
    """Who pushes: the store's user row, read for these three only."""

    id: int
    community_id: int | None
    role: Any  # sync.vocabulary.Role, or its value


@dataclass(frozen=True)
class Known:
    """A stored record's id: its type, author, and what its create stored (a visit's may differ
    from the visit now: a create replayed after later updates is still the same create)."""

    type: str
    author_id: int
    created_hash: str | None


@dataclass(frozen=True)
class HouseholdRef:
    id: int
    community_id: int
    building_group_id: int


@dataclass(frozen=True)
class StoredVisit:
    """A visit as an update finds it, locked until the transaction ends."""

    id: UUID
    community_id: int
    author_id: int
    household_id: int
    occurred_at: datetime
    resident_ids: tuple[int, ...]
    version: int
    voided_at: datetime | None
    void_reason: str
    handle: Any = None


@dataclass(frozen=True)
class StoredQuestion:
    """A question the office asked, with the household of its visit, locked until the transaction ends."""

    id: int
    community_id: int
    household_id: int
    state: str  # sync.vocabulary.QuestionState
    handle: Any = None


@dataclass(frozen=True)
class StoredUpdate:
    """An update already stored: what it was answered the first time."""

    outcome: str  # applied / conflict
    version: int


# household id -> {resident id: status}
ResidentRows = dict[int, dict[int, str]]


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """All or nothing; raises IdTaken when an insert met an id stored meanwhile."""

    async def group_ids(self, user: Author) -> Iterable[int]:
        """The building groups this leader looks after, in their own community."""

    async def known_ids(self, ids: list[UUID]) -> dict[UUID, Known]:
        """The stored ones among these ids, whatever their type and community (an id is unique
        across the whole store: one used in another committee is still taken)."""

    # The reads below look inside the pushing leader's community only, as every query does
    # (architecture.md): what is elsewhere is not found, and answers as a missing row would.

    async def households(self, community_id: int | None, ids: Iterable[int]) -> dict[int, HouseholdRef]: ...

    async def residents(
        self, community_id: int | None, household_ids: Iterable[int], resident_ids: Iterable[int]
    ) -> ResidentRows:
        """Which of these residents belong to which of these households, with their status."""

    async def insert_visits(self, visits: list[tuple[Record, HouseholdRef]], push: PushContext) -> None:
        """New visits (version 1) with their first revision and the residents they saw."""

    async def visit_for_update(self, community_id: int | None, visit_id: UUID) -> StoredVisit | None: ...

    async def stored_update(self, record: Record) -> StoredUpdate | None:
        """The same update (visit, base version, content) stored before, if it was."""

    async def keep_conflict(self, visit: StoredVisit, record: Record, push: PushContext) -> None:
        """Keep an update made from an older version aside, and flag the visit for the office."""

    async def replace_visit(
        self, visit: StoredVisit, record: Record, household: HouseholdRef, version: int, push: PushContext
    ) -> None:
        """Write the update's leader-owned fields (never the office's) as `version`, and its revision."""

    async def question_for_answer(self, community_id: int | None, question_id: int) -> StoredQuestion | None: ...

    async def insert_answer(self, record: Record, question: StoredQuestion, state: str, push: PushContext) -> None:
        """Store the answer; the question takes `state` and is marked answered now."""

    async def insert_roster_change(self, record: Record, household: HouseholdRef, push: PushContext) -> None: ...
