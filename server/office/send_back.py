"""Send back (需补充): the office returns a visit to its leader with a question, and reads the answers.

The question is office-owned; the leader's answers arrive as `answer` records through the sync
protocol (sync/answer.py) and are only read here. Each office action writes a VisitReviewEvent
and an AuditEvent in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Request
from tortoise.query_utils import Prefetch
from tortoise.transactions import in_transaction

from server import audit
from server.core.clock import now_utc
from server.models import (
    QuestionAnswer,
    QuestionState,
    ReviewEventKind,
    User,
    Visit,
    VisitQuestion,
    VisitReviewEvent,
)
from server.office.review import ReviewRefused, refuse_if_voided
from sync.records import MAX_TEXT_CHARS
from sync.vocabulary import N_

DASHBOARD_LIST = 20  # questions shown per list on the dashboard; older ones are on their visits


def _with_answers() -> Prefetch:
    return Prefetch("answers", queryset=QuestionAnswer.all().select_related("author").order_by("received_at"))


def clean_question(text: str | None) -> str:
    question = (text or "").replace("\r\n", "\n").strip()
    if not question:
        raise ReviewRefused("question", N_("请写下要问楼组长的问题。"))
    if len(question) > MAX_TEXT_CHARS:
        raise ReviewRefused("question", N_("问题最多 2000 个字。"))
    return question


async def send_back(request: Request, visit: Visit, actor: User, text: str | None) -> VisitQuestion:
    refuse_if_voided(visit)
    question_text = clean_question(text)
    now = now_utc()
    async with in_transaction():
        question = await VisitQuestion.create(
            community_id=visit.community_id, visit_id=visit.id, asked_by=actor, question=question_text, asked_at=now
        )
        await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.SEND_BACK.value, comment=question_text,
            detail={"question_id": question.id},
        )
        await audit.record(
            request, "visit_sent_back", actor=actor, target_type="visit", target_id=visit.id,
            question_id=question.id, question=question_text,
        )
    return question


async def close_question(request: Request, question: VisitQuestion, actor: User) -> None:
    """The office needs nothing more: it has read the answer, or no longer needs one."""
    was = QuestionState(question.state)
    if was is QuestionState.CLOSED:
        raise ReviewRefused("question", N_("这个问题已经关闭了。"))
    now = now_utc()
    async with in_transaction():
        # Conditional on the state we saw: an answer arriving meanwhile is not hidden by a close
        # made without reading it.
        changed = await VisitQuestion.filter(id=question.id, state=was).update(
            state=QuestionState.CLOSED, closed_at=now, updated_at=now
        )
        if not changed:
            raise ReviewRefused("question", N_("楼组长刚刚回答了这个问题，请先看一看回答。"))
        await VisitReviewEvent.create(
            visit_id=question.visit_id, actor=actor, kind=ReviewEventKind.QUESTION_CLOSED.value,
            detail={"question_id": question.id, "was": was.value},
        )
        await audit.record(
            request, "question_closed", actor=actor, target_type="visit", target_id=question.visit_id,
            question_id=question.id, was=was.value,
        )


async def community_question(community_id: int | None, question_id: int) -> VisitQuestion | None:
    if community_id is None:
        return None
    return await VisitQuestion.get_or_none(id=question_id, community_id=community_id)


async def visit_questions(visit: Visit) -> list[VisitQuestion]:
    """Every question about this visit, oldest first, with its answers and who asked."""
    return list(
        await VisitQuestion.filter(visit_id=visit.id)
        .select_related("asked_by")
        .prefetch_related(_with_answers())
        .order_by("asked_at", "id")
    )


async def visit_answers(visit: Visit) -> list[QuestionAnswer]:
    """The leader's answers about this visit, for its history."""
    return list(
        await QuestionAnswer.filter(question__visit_id=visit.id).select_related("author", "question").order_by(
            "received_at"
        )
    )


@dataclass
class SendBackOverview:
    """The dashboard's view: what waits for a leader, and what came back and is not yet read."""

    waiting: list[VisitQuestion]
    answered: list[VisitQuestion]
    waiting_total: int
    answered_total: int


async def send_back_overview(community_id: int | None) -> SendBackOverview:
    def listed(state: QuestionState):
        # A voided visit's questions wait for nobody (they come back if the void is undone).
        return VisitQuestion.filter(community_id=community_id, state=state, visit__voided_at__isnull=True)

    people = ("visit__household", "visit__author")
    waiting = await listed(QuestionState.OPEN).select_related(*people).order_by("-asked_at").limit(DASHBOARD_LIST)
    answered = (
        await listed(QuestionState.ANSWERED).select_related(*people).prefetch_related(_with_answers())
        .order_by("-answered_at").limit(DASHBOARD_LIST)
    )
    return SendBackOverview(
        list(waiting), list(answered),
        await listed(QuestionState.OPEN).count(), await listed(QuestionState.ANSWERED).count(),
    )


async def question_marks(visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """For the dashboard's rows: "open" (waits for the leader) or "answered" (answer not yet read)."""
    if not visit_ids:
        return {}
    rows = await VisitQuestion.filter(
        visit_id__in=visit_ids, state__in=[QuestionState.OPEN, QuestionState.ANSWERED]
    ).values_list("visit_id", "state")
    marks: dict[uuid.UUID, str] = {}
    for visit_id, state in rows:
        state = QuestionState(state).value
        if marks.get(visit_id) != QuestionState.OPEN.value:  # waiting outranks answered
            marks[visit_id] = state
    return marks
