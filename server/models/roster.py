"""Changes to the roster: proposals from leaders' phones and uploads of the office's spreadsheets."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.community import Community, Household, Resident
from server.models.people import User
from sync.vocabulary import RosterChangeKind, RosterChangeState


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
