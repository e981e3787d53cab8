"""What the office does with visits: review events, the audit log, send-backs and answers, closed months."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from server.models.base import belongs_to, done_by, part_of
from server.models.community import Community
from server.models.people import User
from server.models.visits import Visit
from sync.vocabulary import QuestionState, ReviewState


class ReviewEventKind(str, Enum):
    STATE = "state"  # review_state changed (from_state -> to_state)
    COMMENT = "comment"  # an office comment, state unchanged
    FOLLOW_UP = "follow_up"  # responsible person or office due date changed (detail says what)
    SEND_BACK = "send_back"  # sent back to the leader with a question (需补充); detail: question_id
    QUESTION_CLOSED = "question_closed"  # the office needs no (further) answer; detail: question_id
    VOID = "void"  # voided (作废) by the office; comment: the reason
    RESTORE = "restore"  # the void undone (恢复); detail: the reason it had


class VisitReviewEvent(Model):
    # What the office did with a visit, append-only: the visit's history page reads these
    # beside its VisitRevision rows (and the leader's QuestionAnswer rows, read from their own
    # table so an answer is stored once). Never touches what the leader wrote.

    id = fields.IntField(primary_key=True)
    visit: fields.ForeignKeyRelation[Visit] = part_of("models.Visit", "review_events")
    actor: fields.ForeignKeyNullableRelation[User] = done_by("review_events")
    kind = fields.CharField(max_length=20, default=ReviewEventKind.STATE.value)
    from_state = fields.CharEnumField(ReviewState, max_length=20, null=True)
    to_state = fields.CharEnumField(ReviewState, max_length=20, null=True)
    comment = fields.TextField(default="")
    detail: dict = fields.JSONField(default=dict)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "visit_review_event"
        ordering = ["id"]
        # A visit's review events: its history page, and the manifest's per-household and "mine"
        # review aggregates (reached from the leader's visits, visit by visit).
        indexes = (("visit_id", "id"),)


class AuditEvent(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyNullableRelation[Community] = belongs_to("models.Community", "audit_events", null=True)
    actor: fields.ForeignKeyNullableRelation[User] = done_by("audit_events")
    action = fields.CharField(max_length=50, db_index=True)  # login, login_failed, logout, ...
    target_type = fields.CharField(max_length=30, default="")
    target_id = fields.CharField(max_length=64, default="")
    detail: dict = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default="")
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_event"
        ordering = ["-at"]


class VisitQuestion(Model):
    # The office sends a visit back to its leader with a question (需补充). Office-owned: the
    # leader never edits it; their reply is a QuestionAnswer, pushed through the outbox.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "visit_questions")
    visit: fields.ForeignKeyRelation[Visit] = belongs_to("models.Visit", "questions")
    asked_by: fields.ForeignKeyNullableRelation[User] = done_by("questions_asked")
    question = fields.TextField()
    asked_at = fields.DatetimeField(db_index=True)
    state = fields.CharEnumField(QuestionState, max_length=10, default=QuestionState.OPEN, db_index=True)
    answered_at = fields.DatetimeField(null=True)  # the server's receipt of the latest answer
    closed_at = fields.DatetimeField(null=True)
    # Set on every change (also by queryset updates, explicitly): the offline manifest's
    # page versions follow it.
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "visit_question"
        ordering = ["-asked_at"]
        # question_marks: the dashboard's page of visits asks for their questions by visit_id.
        indexes = (("visit_id", "state"),)


class QuestionAnswer(Model):
    # A leader's answer to a VisitQuestion: an `answer` record of the sync protocol, stored
    # once by its phone-made id. A question may get more than one (the leader adds something).

    id = fields.UUIDField(primary_key=True)  # made on the phone when the answer is saved
    question: fields.ForeignKeyRelation[VisitQuestion] = belongs_to("models.VisitQuestion", "answers")
    author: fields.ForeignKeyRelation[User] = belongs_to("models.User", "question_answers")
    device_id = fields.CharField(max_length=64, default="")
    text = fields.TextField()
    client_time = fields.DatetimeField(null=True)  # the phone's clock: for order, not trust
    received_at = fields.DatetimeField(db_index=True)  # the server's clock
    content_hash = fields.CharField(max_length=64)

    class Meta:
        table = "question_answer"
        ordering = ["received_at"]


class ClosedMonth(Model):
    # A month's meeting pack computed once, as of the month's end, and kept: a pack that was
    # discussed and filed reads the same a year later, whatever happens to the roster or the
    # visits afterwards. (community, month) is unique, so two processes closing the same month
    # at once store one pack: the second insert fails and reads the first.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "closed_months")
    month = fields.CharField(max_length=7)  # YYYY-MM, a Shanghai calendar month
    # What the pack's page shows (figures and the short lists), and apart from it the full
    # lists of the XLSX appendix, so the page never loads those.
    figures: dict = fields.JSONField()
    lists: dict = fields.JSONField()
    as_of = fields.DatetimeField()  # the moment the figures speak for: the month's end
    closed_at = fields.DatetimeField()
    closed_by: fields.ForeignKeyNullableRelation[User] = done_by("closed_months")

    class Meta:
        table = "closed_month"
        unique_together = (("community", "month"),)
