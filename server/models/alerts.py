"""Alerts to the office's group chat (企业微信/DingTalk robot) for urgent visits and answers."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from server.models.base import belongs_to, done_by
from server.models.community import Community
from server.models.people import User
from server.models.review import QuestionAnswer
from server.models.visits import Visit


class AlertKind(str, Enum):
    URGENT_VISIT = "urgent_visit"  # a visit marked 紧急 arrived (or was changed to 紧急)
    ANSWER = "answer"  # a leader answered a question the office sent back


class AlertState(str, Enum):
    PENDING = "pending"  # waiting for its next try (next_try_at)
    SENDING = "sending"  # claimed by one app process until lease_until
    SENT = "sent"  # the chat robot answered OK
    FAILED = "failed"  # given up after the last try
    SKIPPED = "skipped"  # nothing to send: no robot configured, or the entry was withdrawn/voided


class Alert(Model):
    # One message to the committee's chat group about one urgent visit or one answer. Queued by
    # server/alerts/queue.py from what the push stored (never inside the push's transaction), and
    # sent by server/alerts/delivery.py with retries; source_key makes queueing it twice impossible.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "alerts")
    kind = fields.CharEnumField(AlertKind, max_length=20)
    source_key = fields.CharField(max_length=80, unique=True)  # "urgent_visit:<visit id>", "answer:<answer id>"
    visit: fields.ForeignKeyRelation[Visit] = belongs_to("models.Visit", "alerts")
    answer: fields.ForeignKeyNullableRelation[QuestionAnswer] = belongs_to("models.QuestionAnswer", "alerts", null=True)
    state = fields.CharEnumField(AlertState, max_length=10, default=AlertState.PENDING)
    attempts = fields.IntField(default=0)
    next_try_at = fields.DatetimeField()
    # The process sending it writes its own random claim; only that claim may record the outcome.
    claim = fields.CharField(max_length=32, default="")
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "alert"
        ordering = ["-id"]
        indexes = (
            # What is due now: the delivery's claim loop, every few seconds.
            ("state", "next_try_at"),
            # The admin's list of recent alerts of one committee.
            ("community_id", "id"),
        )


class AlertSetting(Model):
    # Where a committee's alerts go: its chat group robot's webhook. The URL holds the robot's
    # key, so it is a secret: screens show it masked, never in full.

    id = fields.IntField(primary_key=True)
    community: fields.OneToOneRelation[Community] = fields.OneToOneField(
        "models.Community", related_name="alert_setting", on_delete=fields.CASCADE
    )
    webhook_url = fields.CharField(max_length=500, default="")
    # The address staff open the app at (from the admin's own request when saved), for the
    # link in each message; LOUZU_PUBLIC_URL overrides it for the whole deployment.
    site_url = fields.CharField(max_length=200, default="")
    updated_by: fields.ForeignKeyNullableRelation[User] = done_by("alert_settings")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "alert_setting"
