"""Whether a create's id is already stored, and what that makes of the create: `duplicate` or `id_reused`.

One look for a whole batch: the ids of every create in one query per table (and the visits' create
hashes in one more), so a push of 500 records costs the same few queries as a push of one. An id
names one record whatever its type: the same id under another type is `id_reused`, like other
content under the same type. Used by the batch path (sync/visit_batch.py) and by the
one-record-at-a-time path (sync/apply.py) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from tortoise.models import Model

from server.models import QuestionAnswer, RosterChange, Visit, VisitRevision
from sync.records import ANSWER, CREATE, DUPLICATE, ID_REUSED, ROSTER_CHANGE, VISIT, RecordResult, Rejected
from sync.scope import chunks

if TYPE_CHECKING:
    from sync.scope import PushContext
    from sync.validate import Record

# Where each type's creates are stored.
STORED_IN: dict[str, type[Model]] = {VISIT: Visit, ANSWER: QuestionAnswer, ROSTER_CHANGE: RosterChange}

ID_REUSED_MESSAGE = "这个记录编号已经用于另一条记录，服务器没有覆盖它。请重新保存这条记录。"


@dataclass(frozen=True)
class Known:
    type: str
    author_id: int
    created_hash: str | None  # what the create stored (a visit's may differ from the visit now)


async def known_ids(ids: list[UUID]) -> dict[UUID, Known]:
    """The stored ones among these ids, whatever their type."""
    found: dict[UUID, Known] = {}
    visit_ids: list[UUID] = []
    for kind, model in STORED_IN.items():
        for part in chunks(ids):
            for row in await model.filter(id__in=part).values("id", "author_id", "content_hash"):
                key = _as_uuid(row["id"])
                found[key] = Known(kind, row["author_id"], row["content_hash"])
                if kind == VISIT:
                    visit_ids.append(key)
    # A visit is compared with what its create stored, not the visit now: a create replayed after
    # later updates is still the same create. Its first revision (lowest id) is that create.
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


def judge_known(record: Record, result_id: str, push: PushContext, known: Known | None) -> RecordResult | None:
    """`duplicate` for the same create again; None for an id never seen; raises `id_reused` else."""
    if known is None:
        return None
    if known.type == record.type and known.author_id == push.user.id and known.created_hash == record.content_hash:
        return RecordResult(result_id, DUPLICATE, 1)
    raise Rejected(ID_REUSED, ID_REUSED_MESSAGE, "id")


def _as_uuid(value: UUID | str) -> UUID:
    # SQLite hands UUID columns back as text, PostgreSQL as UUID.
    return value if isinstance(value, UUID) else UUID(str(value))
