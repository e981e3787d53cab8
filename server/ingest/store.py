"""The database half of applying pushed records: sync/store.py's `Store` on Tortoise.

Reads for a whole batch take one query per table (per chunk of ids), writes of a run of new
visits three bulk statements (server/ingest/bulk_insert.py), so a push of 500 records costs the
same few statements as a push of one. Rows an update or an answer will write are locked as they
are read (PostgreSQL; SQLite serialises transactions anyway).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.db.raw import Params
from server.ingest.bulk_insert import insert_many
from server.ingest.rows import content_fields, revision_row, seen_rows, visit_row
from server.leader.scope import leader_group_ids
from server.models import (
    Household, QuestionAnswer, Resident, ResidentStatus, RosterChange, User, Visit, VisitQuestion, VisitResident,
    VisitRevision,
)
from sync.records import ANSWER, CONFLICT, CREATE, ROSTER_CHANGE, VISIT
from sync.scope import PushContext
from sync.store import HouseholdRef, IdTaken, Known, ResidentRows, StoredQuestion, StoredUpdate, StoredVisit
from sync.validate import Record

# Where each type's creates are stored.
STORED_IN: dict[str, type[Model]] = {VISIT: Visit, ANSWER: QuestionAnswer, ROSTER_CHANGE: RosterChange}

# Rows per IN (...) list: PostgreSQL takes at most 32,767 parameters per statement, SQLite 32,766.
IN_CHUNK = 1000

# What an applied update writes besides the content: never an office-owned field.
_PUSH_FIELDS = ("household_id", "client_time", "device_id", "content_hash", "version", "updated_at")


def chunks(items: list, size: int = IN_CHUNK) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


class TortoiseStore:
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        try:
            async with in_transaction():
                yield
        except IntegrityError as race:
            raise IdTaken(str(race)) from race

    async def group_ids(self, user: User) -> list[int]:
        return await leader_group_ids(user)

    async def known_ids(self, ids: list[UUID]) -> dict[UUID, Known]:
        # Not by community: the ids are the tables' primary keys, unique across every committee.
        # One statement for the three tables (plain SQL: see server/db/raw.py).
        found: dict[UUID, Known] = {}
        visit_ids: list[UUID] = []
        conn = Visit._choose_db()
        for part in chunks(ids):
            params = Params(conn)
            branches = [
                f"SELECT '{kind}' AS kind, id, author_id, content_hash FROM {model._meta.db_table}"
                f" WHERE {params.one_of('id', part)}"
                for kind, model in STORED_IN.items()
            ]
            _, rows = await conn.execute_query(" UNION ALL ".join(branches), params.values)
            for row in rows:
                key = _as_uuid(row["id"])
                found[key] = Known(row["kind"], row["author_id"], row["content_hash"])
                if row["kind"] == VISIT:
                    visit_ids.append(key)
        # A visit is compared with what its create stored, not the visit now: a create replayed
        # after later updates is still the same create. Its first revision (lowest id) is that create.
        first: dict[UUID, tuple[int, str]] = {}
        for part in chunks(visit_ids):
            rows = await VisitRevision.filter(visit_id__in=part, op=CREATE).values_list("visit_id", "id", "content_hash")
            for visit_id, revision_id, created_hash in rows:
                visit_id = _as_uuid(visit_id)
                if visit_id not in first or revision_id < first[visit_id][0]:
                    first[visit_id] = (revision_id, created_hash)
        for visit_id in visit_ids:
            known = found[visit_id]
            found[visit_id] = Known(known.type, known.author_id, first[visit_id][1] if visit_id in first else None)
        return found

    async def households(self, community_id: int | None, ids: Iterable[int]) -> dict[int, HouseholdRef]:
        found: dict[int, HouseholdRef] = {}
        if community_id is None:
            return found
        conn = Household._choose_db()
        for part in chunks(sorted(set(ids))):
            params = Params(conn)
            _, rows = await conn.execute_query(
                "SELECT id, community_id, building_group_id FROM household"
                f" WHERE community_id = {params.mark(community_id)} AND {params.one_of('id', part)}",
                params.values,
            )
            found.update((row["id"], HouseholdRef(row["id"], row["community_id"], row["building_group_id"])) for row in rows)
        return found

    async def residents(
        self, community_id: int | None, household_ids: Iterable[int], resident_ids: Iterable[int]
    ) -> ResidentRows:
        rows: ResidentRows = {}
        households = sorted(set(household_ids))
        conn = Resident._choose_db()
        for part in chunks(sorted(set(resident_ids))):
            if not part or not households or community_id is None:
                continue
            params = Params(conn)
            _, found = await conn.execute_query(
                "SELECT id, household_id, status FROM resident"
                f" WHERE community_id = {params.mark(community_id)} AND {params.one_of('household_id', households)}"
                f" AND {params.one_of('id', part)}",
                params.values,
            )
            for row in found:
                rows.setdefault(row["household_id"], {})[row["id"]] = ResidentStatus(row["status"])
        return rows

    async def insert_visits(self, visits: list[tuple[Record, HouseholdRef]], push: PushContext) -> None:
        """Three statements: the visits, their first revisions, the residents they saw."""
        await insert_many(Visit, [visit_row(record, household, push) for record, household in visits])
        await insert_many(VisitRevision, [revision_row(record, push, version=1) for record, _ in visits])
        await insert_many(VisitResident, [row for record, _ in visits for row in seen_rows(record.id, record.data)])

    async def visit_for_update(self, community_id: int | None, visit_id: UUID) -> StoredVisit | None:
        visit = await Visit.filter(community_id=community_id, id=visit_id).select_for_update().first()
        if visit is None:
            return None
        return StoredVisit(
            visit.id, visit.community_id, visit.author_id, visit.household_id, visit.occurred_at,
            tuple(visit.resident_ids or ()), visit.version, visit.voided_at, visit.void_reason, handle=visit,
        )

    async def stored_update(self, record: Record) -> StoredUpdate | None:
        revision = (
            await VisitRevision.filter(
                visit_id=record.id, op=record.op, base_version=record.base_version, content_hash=record.content_hash
            )
            .order_by("id")
            .first()
        )
        return None if revision is None else StoredUpdate(revision.outcome, revision.version)

    async def keep_conflict(self, visit: StoredVisit, record: Record, push: PushContext) -> None:
        await insert_many(VisitRevision, [revision_row(record, push, version=visit.version, outcome=CONFLICT)])
        row: Visit = visit.handle
        row.has_conflict = True
        await row.save(update_fields=["has_conflict", "updated_at"])

    async def replace_visit(
        self, visit: StoredVisit, record: Record, household: HouseholdRef, version: int, push: PushContext
    ) -> None:
        row: Visit = visit.handle
        for name, value in content_fields(record).items():
            setattr(row, name, value)
        row.household_id = household.id
        row.client_time = record.client_time
        row.device_id = push.device_id
        row.content_hash = record.content_hash
        row.version = version
        await row.save(update_fields=[*content_fields(record), *_PUSH_FIELDS])
        await VisitResident.filter(visit_id=row.id).delete()
        await insert_many(VisitResident, seen_rows(row.id, record.data))
        await insert_many(VisitRevision, [revision_row(record, push, version=version)])

    async def question_for_answer(self, community_id: int | None, question_id: int) -> StoredQuestion | None:
        question = await VisitQuestion.filter(community_id=community_id, id=question_id).select_for_update().first()
        if question is None:
            return None
        household_id = await (
            Visit.filter(community_id=question.community_id, id=question.visit_id)
            .first()
            .values_list("household_id", flat=True)
        )
        return StoredQuestion(question.id, question.community_id, household_id, question.state, handle=question)

    async def insert_answer(self, record: Record, question: StoredQuestion, state: Any, push: PushContext) -> None:
        await QuestionAnswer.create(
            id=record.id,
            question_id=question.id,
            author_id=push.user.id,
            device_id=push.device_id,
            text=record.data.text,
            client_time=record.client_time,
            received_at=push.now,
            content_hash=record.content_hash,
        )
        row: VisitQuestion = question.handle
        row.answered_at = push.now
        row.state = state
        await row.save(update_fields=["state", "answered_at", "updated_at"])

    async def insert_roster_change(self, record: Record, household: HouseholdRef, push: PushContext) -> None:
        data = record.data
        await RosterChange.create(
            id=record.id,
            community_id=household.community_id,
            household_id=household.id,
            resident_id=data.resident_id,
            author_id=push.user.id,
            device_id=push.device_id,
            kind=data.change,
            proposed=dict(sorted(data.fields.items())),
            note=data.note,
            client_time=record.client_time,
            received_at=push.now,
            content_hash=record.content_hash,
        )


def _as_uuid(value: UUID | str) -> UUID:
    # SQLite hands UUID columns back as text, PostgreSQL as UUID.
    return value if isinstance(value, UUID) else UUID(str(value))
