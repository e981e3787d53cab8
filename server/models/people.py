"""Who signs in: accounts, the devices they are signed in on, login throttling, sign-in cards."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import belongs_to, done_by, kept_apart, part_of
from server.models.community import BuildingGroup, Community
from sync.vocabulary import Role


class User(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyNullableRelation[Community] = belongs_to("models.Community", "users", null=True)
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
    user: fields.ForeignKeyRelation[User] = part_of("models.User", "sessions")
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


class SignInCard(Model):
    # A printed first sign-in card for a leader: a QR code holding a one-time link. Only the
    # HMAC of the link's token is stored. A card works once and until expires_at (at most 7
    # days); reissuing sets replaced_at on the old card, which then stops working.

    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "sign_in_cards")
    user: fields.ForeignKeyRelation[User] = part_of("models.User", "sign_in_cards")
    token_hash = fields.CharField(max_length=64, unique=True)
    issued_by: fields.ForeignKeyNullableRelation[User] = done_by("cards_issued")
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # The device session the card opened: the admin's device list shows it like any login.
    session: fields.ForeignKeyNullableRelation[DeviceSession] = kept_apart("models.DeviceSession", "sign_in_cards")
    replaced_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_card"
        ordering = ["-issued_at"]
