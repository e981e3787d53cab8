"""Questions the office sent back with a visit (需补充), as the leader sees them, and the answer form.

The answer form becomes an `answer` record (server/leader/form_contract.py) applied by
`server.ingest.apply_records`, the one write path shared with the phone's outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.query_utils import Prefetch

from server.core.forms import INT, TEXT
from server.leader.form_contract import OutboxForm
from server.leader.scope import LeaderScope
from server.models import Household, QuestionAnswer, QuestionState, VisitQuestion
from sync.records import ANSWER, MAX_TEXT_CHARS
from sync.vocabulary import N_

ANSWER_SPEC = {"question_id": INT, "text": TEXT}
ANSWER_FORM = OutboxForm(
    ANSWER, ANSWER_SPEC, ("text",),
    {
        ("text_too_long", "text"): N_("回答最多 2000 个字，请删减后再发送"),
        ("missing_field", "text"): N_("请写下您的回答再发送"),
    },
    {"text": N_("回答里有无法保存的字符，请改一改")},
)
SHOWN_QUESTIONS = (QuestionState.OPEN, QuestionState.ANSWERED)


def _in_scope(scope: LeaderScope):
    return VisitQuestion.filter(
        community_id=scope.community.id, visit__household__building_group_id__in=scope.group_ids
    )


# A question about a visit the office voided (作废) waits for no answer (it shows again if the
# void is undone).
NOT_VOIDED = {"visit__voided_at__isnull": True}


async def open_questions(scope: LeaderScope) -> list[VisitQuestion]:
    """For the home screen: what the office wants to know, newest question first."""
    if not scope.group_ids:
        return []
    return list(
        await _in_scope(scope).filter(state=QuestionState.OPEN, **NOT_VOIDED).select_related("visit__household").order_by(
            "-asked_at", "-id"
        )
    )


async def household_questions(household: Household, also: int | None = None) -> list[VisitQuestion]:
    """For the household page: open questions (to answer) and answered ones the office has not
    closed yet (to see what was sent); oldest first, as a conversation reads. `also`: a question
    shown whatever its state (an answer to it was refused: its error must be seen)."""
    answers = Prefetch("answers", queryset=QuestionAnswer.all().order_by("received_at"))
    shown = Q(state__in=SHOWN_QUESTIONS) | Q(id=also) if also is not None else Q(state__in=SHOWN_QUESTIONS)
    return list(
        await VisitQuestion.filter(
            shown, visit__household_id=household.id, community_id=household.community_id, **NOT_VOIDED
        )
        .select_related("visit", "asked_by")
        .prefetch_related(answers)
        .order_by("asked_at", "id")
    )


async def question_in_scope(scope: LeaderScope, question_id: int) -> VisitQuestion | None:
    """The question with its visit's household, if it is about one of the leader's households."""
    if not scope.group_ids:
        return None
    return await _in_scope(scope).filter(id=question_id).select_related("visit__household").first()


@dataclass
class AnswerForm:
    """An answer that was not sent: which question, what was typed, what is wrong."""

    question_id: int
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)


TEXT_MAX_CHARS = MAX_TEXT_CHARS
