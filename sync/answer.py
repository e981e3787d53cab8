"""The `answer` record: a leader's answer to a question the office sent back with a visit (需补充).

Same envelope, statuses and error shape as `visit` (sync-protocol.md); only `op: "create"`:
    {"id": "<uuid made on the phone>", "type": "answer", "op": "create", "base_version": null,
     "client_time": "2026-11-26T10:02:00+08:00",
     "data": {"question_id": 42, "text": "老人说下周一去社区医院复查。"}}
`text`: 1 to 2,000 characters (text_too_long beyond). The question's visit must be of a household
in the leader's building groups and community, else `out_of_scope` (field question_id), with the
same words whether the question is someone else's or does not exist. An answer to a question the
office has meanwhile closed is still kept (the leader's words are never thrown away); the
question stays closed. `version` is always 1: an answer is never updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.fields import content_hash, long_text, missing, positive_int, refuse_unknown_keys
from sync.form_rules import ANSWER_EMPTY
from sync.records import APPLIED, MAX_TEXT_CHARS, MISSING_FIELD, RecordResult, Rejected
from sync.scope import household_in_scope
from sync.vocabulary import QuestionState

if TYPE_CHECKING:
    from sync.scope import PushContext
    from sync.validate import Record

DATA_KEYS = ("question_id", "text")
OUT_OF_SCOPE_MESSAGE = "找不到这个问题，或它不属于您负责的楼组，回答没有保存。如果楼组刚调整过，请刷新后再试。"


@dataclass(frozen=True)
class AnswerData:
    question_id: int
    text: str  # trimmed, line breaks as "\n"

    def to_json(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "text": self.text}

    def content_hash(self) -> str:
        return content_hash(self.to_json())


def parse_answer_data(data: dict[str, Any], creating: bool = True) -> AnswerData:
    refuse_unknown_keys(data, DATA_KEYS)
    if "question_id" not in data:
        raise missing("question_id")
    question_id = positive_int("question_id", data["question_id"])
    # An empty textarea arrives as null (the outbox forms' typing contract), or as blanks.
    text = long_text("text", data.get("text") or "", MAX_TEXT_CHARS).strip()
    if not text:
        raise Rejected(MISSING_FIELD, ANSWER_EMPTY, "text")
    return AnswerData(question_id, text)


async def create_answer(record: Record, result_id: str, push: PushContext) -> RecordResult:
    data: AnswerData = record.data
    # The store locks the question's row (PostgreSQL): two answers to one question take turns on its state.
    question = await push.store.question_for_answer(push.user.community_id, data.question_id)
    household_id = None
    if question is not None and question.community_id == push.user.community_id:
        household_id = question.household_id
    # Scoped by the visit's household, not its author: whoever now looks after that building
    # group answers (a substitute may have made the visit).
    await household_in_scope(push, household_id, OUT_OF_SCOPE_MESSAGE, "question_id")
    state = QuestionState.ANSWERED if question.state == QuestionState.OPEN else question.state
    await push.store.insert_answer(record, question, state, push)
    return RecordResult(result_id, APPLIED, 1)
