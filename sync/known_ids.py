"""Whether a create's id is already stored, and what that makes of the create: `duplicate` or `id_reused`.

An id names one record whatever its type: the same id under another type is `id_reused`, like
other content under the same type. The store looks the ids of a whole batch up at once
(`Store.known_ids`); used by the batch path (sync/visit_batch.py) and by the one-record-at-a-time
path (sync/apply.py) alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync.records import DUPLICATE, ID_REUSED, RecordResult, Rejected
from sync.store import Known

if TYPE_CHECKING:
    from sync.scope import PushContext
    from sync.validate import Record

ID_REUSED_MESSAGE = "这个记录编号已经用于另一条记录，服务器没有覆盖它。请重新保存这条记录。"


def judge_known(record: Record, result_id: str, push: PushContext, known: Known | None) -> RecordResult | None:
    """`duplicate` for the same create again; None for an id never seen; raises `id_reused` else."""
    if known is None:
        return None
    if known.type == record.type and known.author_id == push.user.id and known.created_hash == record.content_hash:
        return RecordResult(result_id, DUPLICATE, 1)
    raise Rejected(ID_REUSED, ID_REUSED_MESSAGE, "id")
