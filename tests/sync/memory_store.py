"""sync/store.py's `Store` held in dicts: the pure core's tests run on it, with no database.

It keeps what the Tortoise store keeps (server/ingest/store.py) as far as the decisions can see:
one id per record whatever its type, a visit's revisions, a question's state; a transaction is
all or nothing, and an insert of a stored id raises IdTaken as a unique key would.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sync.records import ANSWER, CONFLICT, CREATE, ROSTER_CHANGE, VISIT
from sync.store import HouseholdRef, IdTaken, Known, ResidentRows, StoredQuestion, StoredUpdate, StoredVisit
from sync.vocabulary import QuestionState, ResidentStatus, Role


@dataclass(frozen=True)
class Person:
    id: int
    community_id: int | None
    role: Role = Role.LEADER


@dataclass
class Tables:
    groups: dict[int, set[int]] = field(default_factory=dict)  # leader id -> building group ids
    households: dict[int, HouseholdRef] = field(default_factory=dict)
    residents: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (household id, status)
    visits: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    questions: dict[int, dict[str, Any]] = field(default_factory=dict)
    answers: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    roster_changes: dict[UUID, dict[str, Any]] = field(default_factory=dict)


class MemoryStore:
    def __init__(self) -> None:
        self.t = Tables()

    # --- arranging -------------------------------------------------------------------------

    def household(self, household_id: int, community_id: int, group_id: int) -> HouseholdRef:
        self.t.households[household_id] = HouseholdRef(household_id, community_id, group_id)
        return self.t.households[household_id]

    def resident(self, resident_id: int, household_id: int, status: str = ResidentStatus.ACTIVE) -> None:
        self.t.residents[resident_id] = (household_id, status)

    def question(self, question_id: int, visit_id: UUID, state: str = QuestionState.OPEN) -> None:
        community_id = self.t.visits[visit_id]["community_id"]
        self.t.questions[question_id] = {"community_id": community_id, "visit_id": visit_id, "state": state}

    def void(self, visit_id: UUID, reason: str, at: datetime) -> None:
        self.t.visits[visit_id].update(voided_at=at, void_reason=reason)

    # --- the Store -------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        saved = copy.deepcopy(self.t)
        try:
            yield
        except BaseException:
            self.t = saved
            raise

    async def group_ids(self, user: Any) -> Iterable[int]:
        return self.t.groups.get(user.id, set())

    async def known_ids(self, ids: list[UUID]) -> dict[UUID, Known]:
        found = {}
        for record_id in ids:
            if record_id in self.t.visits:
                first = next(r for r in self.t.revisions if r["visit_id"] == record_id and r["op"] == CREATE)
                found[record_id] = Known(VISIT, self.t.visits[record_id]["author_id"], first["content_hash"])
            elif record_id in self.t.answers:
                row = self.t.answers[record_id]
                found[record_id] = Known(ANSWER, row["author_id"], row["hash"])
            elif record_id in self.t.roster_changes:
                row = self.t.roster_changes[record_id]
                found[record_id] = Known(ROSTER_CHANGE, row["author_id"], row["hash"])
        return found

    async def households(self, community_id: int | None, ids: Iterable[int]) -> dict[int, HouseholdRef]:
        here = {i: h for i, h in self.t.households.items() if h.community_id == community_id}
        return {i: here[i] for i in ids if i in here}

    async def residents(
        self, community_id: int | None, household_ids: Iterable[int], resident_ids: Iterable[int]
    ) -> ResidentRows:
        rows: ResidentRows = {}
        households = {i for i in household_ids if self.t.households[i].community_id == community_id}
        for rid in resident_ids:
            if rid in self.t.residents and self.t.residents[rid][0] in households:
                household_id, status = self.t.residents[rid]
                rows.setdefault(household_id, {})[rid] = status
        return rows

    def _taken(self, record_id: UUID) -> None:
        if record_id in self.t.visits or record_id in self.t.answers or record_id in self.t.roster_changes:
            raise IdTaken(str(record_id))

    def _revision(self, record: Any, push: Any, version: int, outcome: str) -> None:
        self.t.revisions.append({
            "visit_id": record.id, "op": record.op, "base_version": record.base_version, "version": version,
            "outcome": outcome, "content_hash": record.content_hash, "author_id": push.user.id,
        })

    async def insert_visits(self, visits: list[tuple[Any, HouseholdRef]], push: Any) -> None:
        for record, household in visits:
            self._taken(record.id)
            self.t.visits[record.id] = {
                "community_id": household.community_id, "author_id": push.user.id, "household_id": household.id,
                "data": record.data, "version": 1, "has_conflict": False, "voided_at": None, "void_reason": "",
                "device_id": push.device_id,
            }
            self._revision(record, push, 1, "applied")

    async def visit_for_update(self, community_id: int | None, visit_id: UUID) -> StoredVisit | None:
        row = self.t.visits.get(visit_id)
        if row is None or row["community_id"] != community_id:
            return None
        data = row["data"]
        return StoredVisit(
            visit_id, row["community_id"], row["author_id"], row["household_id"], data.occurred_at,
            data.resident_ids, row["version"], row["voided_at"], row["void_reason"],
        )

    async def stored_update(self, record: Any) -> StoredUpdate | None:
        for r in self.t.revisions:
            if (r["visit_id"], r["op"], r["base_version"], r["content_hash"]) == (
                record.id, record.op, record.base_version, record.content_hash
            ):
                return StoredUpdate(r["outcome"], r["version"])
        return None

    async def keep_conflict(self, visit: StoredVisit, record: Any, push: Any) -> None:
        self._revision(record, push, visit.version, CONFLICT)
        self.t.visits[visit.id]["has_conflict"] = True

    async def replace_visit(
        self, visit: StoredVisit, record: Any, household: HouseholdRef, version: int, push: Any
    ) -> None:
        self.t.visits[visit.id].update(data=record.data, household_id=household.id, version=version)
        self._revision(record, push, version, "applied")

    async def question_for_answer(self, community_id: int | None, question_id: int) -> StoredQuestion | None:
        row = self.t.questions.get(question_id)
        if row is None or row["community_id"] != community_id:
            return None
        household_id = self.t.visits[row["visit_id"]]["household_id"]
        return StoredQuestion(question_id, row["community_id"], household_id, row["state"])

    async def insert_answer(self, record: Any, question: StoredQuestion, state: str, push: Any) -> None:
        self._taken(record.id)
        self.t.answers[record.id] = {"author_id": push.user.id, "hash": record.content_hash, "text": record.data.text}
        self.t.questions[question.id].update(state=state, answered_at=push.now)

    async def insert_roster_change(self, record: Any, household: HouseholdRef, push: Any) -> None:
        self._taken(record.id)
        self.t.roster_changes[record.id] = {
            "author_id": push.user.id, "hash": record.content_hash, "household_id": household.id, "data": record.data,
        }
