"""Visits (走访记录) as the phones sent them: the record, who was seen, every revision."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import WhereIndex, belongs_to, done_by, part_of
from server.models.community import Community, Household, Resident
from server.models.people import User
from sync.vocabulary import ReviewState, VisitKind, VisitStatus


class Visit(Model):
    id = fields.UUIDField(primary_key=True)  # made on the phone when the entry is saved
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "visits")
    household: fields.ForeignKeyRelation[Household] = belongs_to("models.Household", "visits")
    author: fields.ForeignKeyRelation[User] = belongs_to("models.User", "visits")
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
    follow_up_assignee: fields.ForeignKeyNullableRelation[User] = done_by("assigned_follow_ups")
    follow_up_office_due = fields.DateField(null=True)
    # Voided (作废) by the office: a mistaken or doubled entry stays with its history but leaves
    # every count, like a withdrawn one; the reason is shown to the leader. Null = not voided.
    voided_at = fields.DatetimeField(null=True)
    void_reason = fields.TextField(default="")
    voided_by: fields.ForeignKeyNullableRelation[User] = done_by("voided_visits")
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
    visit: fields.ForeignKeyRelation[Visit] = part_of("models.Visit", "seen")
    resident: fields.ForeignKeyRelation[Resident] = belongs_to("models.Resident", "seen_in")
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
    visit: fields.ForeignKeyRelation[Visit] = part_of("models.Visit", "revisions")
    op = fields.CharField(max_length=10)  # create / update
    base_version = fields.IntField(null=True)
    version = fields.IntField()  # the visit's version this push produced (or met, on conflict)
    outcome = fields.CharField(max_length=10)  # applied / conflict
    content_hash = fields.CharField(max_length=64, db_index=True)
    data: dict = fields.JSONField()
    author: fields.ForeignKeyRelation[User] = belongs_to("models.User", "visit_revisions")
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
