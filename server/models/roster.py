"""Changes to the roster: proposals from leaders' phones and uploads of the office's spreadsheets."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import belongs_to, done_by
from server.models.community import Community, Household, Resident
from server.models.people import User
from sync.vocabulary import RosterChangeKind, RosterChangeState


class RosterChange(Model):
    # A roster change a leader proposes from the phone (a `roster_change` record). The roster
    # is office-owned: nothing changes in Resident until the office approves.

    id = fields.UUIDField(primary_key=True)  # made on the phone when the proposal is saved
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "roster_changes")
    household: fields.ForeignKeyRelation[Household] = belongs_to("models.Household", "roster_changes")
    # Null for a proposed new resident until approval creates them (then set to that resident).
    resident: fields.ForeignKeyNullableRelation[Resident] = belongs_to("models.Resident", "roster_changes", null=True)
    author: fields.ForeignKeyRelation[User] = belongs_to("models.User", "roster_changes")
    device_id = fields.CharField(max_length=64, default="")
    kind = fields.CharEnumField(RosterChangeKind, max_length=20)
    proposed: dict = fields.JSONField(default=dict)  # the record's `fields`, nulls left out
    note = fields.TextField(default="")
    state = fields.CharEnumField(RosterChangeState, max_length=10, default=RosterChangeState.PENDING, db_index=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = done_by("roster_decisions")
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.TextField(default="")
    client_time = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField(db_index=True)
    content_hash = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "roster_change"
        ordering = ["-received_at"]


class RosterUpload(Model):
    # A roster spreadsheet kept between its preview and the person's confirmation: the
    # confirmed import reads these same bytes again (on whichever app process answers), so
    # what is imported is exactly what was previewed.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "roster_uploads")
    uploaded_by: fields.ForeignKeyNullableRelation[User] = done_by("roster_uploads")
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
