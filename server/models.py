"""Tortoise models for the entities of domain.md; every row belongs to exactly one community."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from sync.vocabulary import (  # noqa: F401  (the migrations import them from here)
    CareFlag,
    QuestionState,
    ResidentStatus,
    ReviewState,
    Role,
    RosterChangeKind,
    RosterChangeState,
    VisitKind,
    VisitStatus,
)


class WhereIndex(Index):
    """An index over the rows matching `where` only (a partial index, on SQLite and PostgreSQL).

    Tortoise's PartialIndex can only say `column = value`, never `IS NULL`. A query uses such an
    index when its own WHERE says the same condition, word for word on SQLite."""

    def __init__(self, *, fields: tuple[str, ...] | list[str], name: str, where: str) -> None:
        super().__init__(fields=fields, name=name)
        self.where = where
        self.extra = f" WHERE {where}"

    def deconstruct(self) -> tuple[str, list, dict]:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "where": self.where}


# Days between elderly checks per care flag; "lives_alone+age_80_plus" applies when a
# resident carries both. The shortest applicable interval wins (domain.md).
DEFAULT_CHECK_RULES: dict[str, int] = {
    "lives_alone+age_80_plus": 7,
    "age_80_plus": 14,
    "lives_alone": 30,
    "disabled": 30,
    "hardship": 30,
    "chronic_illness": 30,
    "watch": 30,
}


class Community(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    subdistrict = fields.CharField(max_length=100)
    check_rules: dict = fields.JSONField(default=dict)
    # Written only by the demo loader. The demo's accounts share a public password, so a
    # non-demo start refuses a store holding a demo committee; a real committee may well carry
    # the demo's name, so the name is never the marker.
    is_demo = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community"

    def rules(self) -> dict[str, int]:
        return {**DEFAULT_CHECK_RULES, **(self.check_rules or {})}


class BuildingGroup(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="building_groups", on_delete=fields.RESTRICT
    )
    number = fields.IntField()
    name = fields.CharField(max_length=100)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "building_group"
        unique_together = (("community", "number"),)
        ordering = ["number"]


class Household(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="households", on_delete=fields.RESTRICT
    )
    building_group: fields.ForeignKeyRelation[BuildingGroup] = fields.ForeignKeyField(
        "models.BuildingGroup", related_name="households", on_delete=fields.RESTRICT
    )
    address = fields.CharField(max_length=200)  # 天山路680弄16号503室
    room = fields.CharField(max_length=20)  # 503
    visitor_notes = fields.TextField(default="")  # 按门铃两次
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "household"
        ordering = ["building_group_id", "room"]
        # A leader's households (leader home, households_in_scope; the manifest; every
        # `household__building_group_id__in` join of the leader's queries starts here).
        indexes = (("building_group_id", "room"),)


class Resident(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="residents", on_delete=fields.RESTRICT
    )
    household: fields.ForeignKeyRelation[Household] = fields.ForeignKeyField(
        "models.Household", related_name="residents", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=50)
    gender = fields.CharField(max_length=1)  # "M" / "F"
    birth_year = fields.IntField()
    phone = fields.CharField(max_length=30, null=True)
    care_flags: list = fields.JSONField(default=list)
    status = fields.CharEnumField(ResidentStatus, max_length=10, default=ResidentStatus.ACTIVE)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "resident"
        ordering = ["household_id", "birth_year"]
        # A household's residents: the leader home and household page (prefetch), resident_checks
        # and the manifest's per-household aggregate all reach residents through their household.
        # A committee's active residents: the office's check coverage (/office/checks, the monthly
        # pack) and resident lists; with ten committees on one store (62,480 residents) coverage
        # read all of them to keep its 1,101 (20 ms of its 63 ms, EXPLAIN ANALYZE).
        indexes = (("household_id", "status"), ("community_id", "status"))


class User(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    username = fields.CharField(max_length=50, unique=True)
    display_name = fields.CharField(max_length=50)
    role = fields.CharEnumField(Role, max_length=10)
    password_hash = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True)
    locale = fields.CharField(max_length=10, default="zh_Hans")
    building_groups: fields.ManyToManyRelation[BuildingGroup] = fields.ManyToManyField(
        "models.BuildingGroup", related_name="leaders", through="user_building_group"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "app_user"


class DeviceSession(Model):
    # A server-side login on one device, revocable by an admin (a lost phone).
    # (Comments, not docstrings: Tortoise turns model docstrings into SQL comments.)

    id = fields.IntField(primary_key=True)
    # HMAC-SHA256 (keyed with SECRET_KEY) of the cookie value: a leaked table hands out no sessions.
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    # WeChat and other in-app browsers put the app at the end of a long User-Agent.
    device_label = fields.CharField(max_length=500, default="")
    device_id = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    last_sync_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)  # logged out by the user

    class Meta:
        table = "device_session"


class LoginThrottle(Model):
    # One run of failed logins for one key (an account at an address, a trusted device, an
    # address guessing card links): how many in a row and when the last was counted. Kept in
    # the store so it holds across app processes; claimed by a compare-and-set on `version`
    # (server/auth/throttle.py). The key is a SHA-256 of its parts: no username or address is kept.

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    failures = fields.IntField(default=0)
    last_failure_at = fields.DatetimeField(null=True, db_index=True)  # runs a day old are pruned
    version = fields.IntField(default=0)

    class Meta:
        table = "login_throttle"


class Visit(Model):
    id = fields.UUIDField(primary_key=True)  # made on the phone when the entry is saved
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="visits", on_delete=fields.RESTRICT
    )
    household: fields.ForeignKeyRelation[Household] = fields.ForeignKeyField(
        "models.Household", related_name="visits", on_delete=fields.RESTRICT
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="visits", on_delete=fields.RESTRICT
    )
    device_id = fields.CharField(max_length=64, default="")
    kind = fields.CharEnumField(VisitKind, max_length=20)
    status = fields.CharEnumField(VisitStatus, max_length=10)
    occurred_at = fields.DatetimeField(db_index=True)  # the phone's clock: for order, not trust
    client_time = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField()  # the server's clock
    notes = fields.TextField(default="")
    follow_up_needed = fields.BooleanField(default=False)
    follow_up_due = fields.DateField(null=True)
    resident_ids: list = fields.JSONField(default=list)
    withdrawn = fields.BooleanField(default=False)
    version = fields.IntField(default=1)
    content_hash = fields.CharField(max_length=64)
    has_conflict = fields.BooleanField(default=False)
    review_state = fields.CharEnumField(ReviewState, max_length=20, default=ReviewState.NEW)
    # Office-owned follow-up fields (the leader owns follow_up_needed / follow_up_due): who in
    # the office answers for it, and the office's own deadline when it differs from the leader's.
    follow_up_assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_follow_ups", null=True, on_delete=fields.SET_NULL
    )
    follow_up_office_due = fields.DateField(null=True)
    # Voided (作废) by the office: a mistaken or doubled entry stays with its history but leaves
    # every count, like a withdrawn one; the reason is shown to the leader. Null = not voided.
    voided_at = fields.DatetimeField(null=True)
    void_reason = fields.TextField(default="")
    voided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="voided_visits", null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "visit"
        ordering = ["-occurred_at"]
        indexes = (
            # recent_visits (household page: one household's newest 20, in exactly this order, so
            # no sort), the manifest's per-household count / last change, and likely_duplicates
            # (one household's two-hour window per visit of the dashboard's page).
            ("household_id", "occurred_at", "received_at"),
            # my_visits (a leader's own, newest first) and the manifest's "mine" aggregate.
            ("author_id", "occurred_at"),
            # The office dashboard: its segments (new or not, status, then newest first:
            # queries.office_ordered_page) and their sizes (COUNT(*) read from this index alone).
            # No (community_id, occurred_at): without statistics SQLite takes it for the household
            # page's query and walks the community's history; occurred_at alone serves month ranges.
            # In two halves, visits that count and voided ones: a segment that leaves the voided
            # out (every list of work) is still one index range counted from the index alone,
            # where "voided_at IS NULL" on one whole index makes PostgreSQL read every row of the
            # segment from the table (ten years: a sequential scan, 56 -> 105 ms per count); and
            # "只看已作废" reads the few voided ones from their own small half. Each condition is
            # written as Tortoise writes it in a query: SQLite uses a partial index only for the
            # same words ("NOT x IS NULL" is not "x IS NOT NULL" to it).
            WhereIndex(fields=("community_id", "review_state", "status", "occurred_at"),
                       name="visit_segments_counted", where='"voided_at" IS NULL'),
            WhereIndex(fields=("community_id", "review_state", "status", "occurred_at"),
                       name="visit_segments_voided", where='NOT "voided_at" IS NULL'),
            # The monthly pack's open follow-ups (server/monthly_pack/follow_ups.py): the leader's
            # marked visits still open, counted and overdue, and the ids of the most overdue, all
            # read from this index alone (ten years: 13,585 marked, 2,603 open; without it both
            # stores read every marked visit's row, ~170 ms on PostgreSQL). Then those the office
            # assigned without the leader's mark, one assignee at a time (few: an assignee's
            # marked visits are left in the index, not read from the table).
            ("community_id", "follow_up_needed", "review_state", "withdrawn", "voided_at", "follow_up_office_due",
             "follow_up_due", "occurred_at", "id"),
            ("follow_up_assignee_id", "follow_up_needed", "review_state"),
        )


class VisitResident(Model):
    # Which residents a visit saw: a table (not only JSON) so due checks are one query.

    id = fields.IntField(primary_key=True)
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="seen", on_delete=fields.CASCADE
    )
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="seen_in", on_delete=fields.RESTRICT
    )
    occurred_at = fields.DatetimeField()  # copied from the visit for the due-check query
    kind = fields.CharEnumField(VisitKind, max_length=20)

    class Meta:
        table = "visit_resident"
        # (visit, resident) also serves "which residents did this visit see" (visit_id first).
        unique_together = (("visit", "resident"),)
        # resident_checks (leader home, household page, office coverage): the last check of each
        # resident is the newest occurred_at among that resident's rows.
        indexes = (("resident_id", "occurred_at"),)


class VisitRevision(Model):
    # Every accepted push of a visit (create, update, or a conflicting update kept aside).
    # Lets a replayed record be recognised as a duplicate, and lets the office see both
    # sides of a conflict: nothing a phone sent is ever thrown away.

    id = fields.IntField(primary_key=True)
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="revisions", on_delete=fields.CASCADE
    )
    op = fields.CharField(max_length=10)  # create / update
    base_version = fields.IntField(null=True)
    version = fields.IntField()  # the visit's version this push produced (or met, on conflict)
    outcome = fields.CharField(max_length=10)  # applied / conflict
    content_hash = fields.CharField(max_length=64, db_index=True)
    data: dict = fields.JSONField()
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="visit_revisions", on_delete=fields.RESTRICT
    )
    device_id = fields.CharField(max_length=64, default="")
    client_time = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField()

    class Meta:
        table = "visit_revision"
        ordering = ["id"]
        # A visit's revisions: its history page and the ingest's duplicate check.
        # received_at: the alert queue looks for what arrived in the last day every few seconds
        # (server/alerts/queue.py); without it each look reads the whole history.
        indexes = (("visit_id", "id"), ("received_at",))


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
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="review_events", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="review_events", null=True, on_delete=fields.SET_NULL
    )
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
    community: fields.ForeignKeyNullableRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="audit_events", null=True, on_delete=fields.RESTRICT
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
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
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="visit_questions", on_delete=fields.RESTRICT
    )
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="questions", on_delete=fields.RESTRICT
    )
    asked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="questions_asked", null=True, on_delete=fields.SET_NULL
    )
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
    question: fields.ForeignKeyRelation[VisitQuestion] = fields.ForeignKeyField(
        "models.VisitQuestion", related_name="answers", on_delete=fields.RESTRICT
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="question_answers", on_delete=fields.RESTRICT
    )
    device_id = fields.CharField(max_length=64, default="")
    text = fields.TextField()
    client_time = fields.DatetimeField(null=True)  # the phone's clock: for order, not trust
    received_at = fields.DatetimeField(db_index=True)  # the server's clock
    content_hash = fields.CharField(max_length=64)

    class Meta:
        table = "question_answer"
        ordering = ["received_at"]


class RosterChange(Model):
    # A roster change a leader proposes from the phone (a `roster_change` record). The roster
    # is office-owned: nothing changes in Resident until the office approves.

    id = fields.UUIDField(primary_key=True)  # made on the phone when the proposal is saved
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="roster_changes", on_delete=fields.RESTRICT
    )
    household: fields.ForeignKeyRelation[Household] = fields.ForeignKeyField(
        "models.Household", related_name="roster_changes", on_delete=fields.RESTRICT
    )
    # Null for a proposed new resident until approval creates them (then set to that resident).
    resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="roster_changes", null=True, on_delete=fields.RESTRICT
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roster_changes", on_delete=fields.RESTRICT
    )
    device_id = fields.CharField(max_length=64, default="")
    kind = fields.CharEnumField(RosterChangeKind, max_length=20)
    proposed: dict = fields.JSONField(default=dict)  # the record's `fields`, nulls left out
    note = fields.TextField(default="")
    state = fields.CharEnumField(RosterChangeState, max_length=10, default=RosterChangeState.PENDING, db_index=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roster_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.TextField(default="")
    client_time = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(db_index=True)
    content_hash = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "roster_change"
        ordering = ["-received_at"]


class SignInCard(Model):
    # A printed first sign-in card for a leader: a QR code holding a one-time link. Only the
    # HMAC of the link's token is stored. A card works once and until expires_at (at most 7
    # days); reissuing sets replaced_at on the old card, which then stops working.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="sign_in_cards", on_delete=fields.RESTRICT
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sign_in_cards", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    issued_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="cards_issued", null=True, on_delete=fields.SET_NULL
    )
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # The device session the card opened: the admin's device list shows it like any login.
    session: fields.ForeignKeyNullableRelation[DeviceSession] = fields.ForeignKeyField(
        "models.DeviceSession", related_name="sign_in_cards", null=True, on_delete=fields.SET_NULL
    )
    replaced_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_card"
        ordering = ["-issued_at"]


class RosterUpload(Model):
    # A roster spreadsheet kept between its preview and the person's confirmation: the
    # confirmed import reads these same bytes again (on whichever app process answers), so
    # what is imported is exactly what was previewed.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="roster_uploads", on_delete=fields.RESTRICT
    )
    uploaded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="roster_uploads", null=True, on_delete=fields.SET_NULL
    )
    filename = fields.CharField(max_length=200)
    content = fields.BinaryField()
    sha256 = fields.CharField(max_length=64)
    size = fields.IntField()
    mark_missing_moved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    imported_at = fields.DatetimeField(null=True)

    class Meta:
        table = "roster_upload"
        ordering = ["-created_at"]


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
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="alerts", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(AlertKind, max_length=20)
    source_key = fields.CharField(max_length=80, unique=True)  # "urgent_visit:<visit id>", "answer:<answer id>"
    visit: fields.ForeignKeyRelation[Visit] = fields.ForeignKeyField(
        "models.Visit", related_name="alerts", on_delete=fields.RESTRICT
    )
    answer: fields.ForeignKeyNullableRelation[QuestionAnswer] = fields.ForeignKeyField(
        "models.QuestionAnswer", related_name="alerts", null=True, on_delete=fields.RESTRICT
    )
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
    updated_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="alert_settings", null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "alert_setting"


class ClosedMonth(Model):
    # A month's meeting pack computed once, as of the month's end, and kept: a pack that was
    # discussed and filed reads the same a year later, whatever happens to the roster or the
    # visits afterwards. (community, month) is unique, so two processes closing the same month
    # at once store one pack: the second insert fails and reads the first.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = fields.ForeignKeyField(
        "models.Community", related_name="closed_months", on_delete=fields.RESTRICT
    )
    month = fields.CharField(max_length=7)  # YYYY-MM, a Shanghai calendar month
    # What the pack's page shows (figures and the short lists), and apart from it the full
    # lists of the XLSX appendix, so the page never loads those.
    figures: dict = fields.JSONField()
    lists: dict = fields.JSONField()
    as_of = fields.DatetimeField()  # the moment the figures speak for: the month's end
    closed_at = fields.DatetimeField()
    closed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="closed_months", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "closed_month"
        unique_together = (("community", "month"),)
