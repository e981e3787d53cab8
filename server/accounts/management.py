"""Account management for an admin of one community: create, edit, reset, deactivate, devices.

Creation goes through `server.accounts.service.create_user` (the same rules as the command line);
this module checks each field first so the form can show an error next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.accounts.service import (
    USERNAME_TAKEN,
    AccountError,
    create_user,
    display_name_problem,
    groups_problem,
    password_problem,
    username_problem,
    username_taken,
)
from server.auth.password_policy import weak_password_reason
from server.auth.passwords import hash_password_off_loop
from server.auth.sessions import revoke_session
from server.core.clock import now_utc
from server.core.forms import LIST_STR, TEXT, read_typed
from server.models import BuildingGroup, Community, DeviceSession, Role, User
from sync.vocabulary import N_

# What an admin may create here; admin accounts are made from the command line.
CREATABLE_ROLES = (Role.LEADER, Role.OFFICE)
OTHER_COMMUNITY_GROUP = N_("只能选择本居委会的楼组。")
ACCOUNT_SPEC = {"display_name": TEXT, "groups": LIST_STR}
NEW_ACCOUNT_SPEC = {"username": TEXT, "role": TEXT, "password": TEXT, **ACCOUNT_SPEC}


async def community_users(community_id: int | None) -> list[User]:
    users = await User.filter(community_id=community_id).prefetch_related("building_groups").order_by(
        "role", "username"
    )
    return users


async def community_groups(community_id: int | None) -> list[BuildingGroup]:
    return await BuildingGroup.filter(community_id=community_id).order_by("number")


async def community_user(community_id: int | None, user_id: int) -> User | None:
    """A user of this community; None (a 404) for anyone else's."""
    if community_id is None:
        return None
    return await User.get_or_none(id=user_id, community_id=community_id).prefetch_related("building_groups")


def _chosen_groups(values: list[str], groups: list[BuildingGroup]) -> tuple[list[BuildingGroup], bool]:
    by_id = {str(g.id): g for g in groups}
    chosen = [by_id[v] for v in values if v in by_id]
    return chosen, len(chosen) != len(set(values))


@dataclass
class NewAccount:
    username: str
    display_name: str
    role: str
    groups: list[BuildingGroup]


async def check_new_account(form: Any, groups: list[BuildingGroup]) -> tuple[NewAccount, dict[str, str]]:
    """The form's values and per-field errors (Chinese msgids); nothing is stored here."""
    typed = read_typed(form, NEW_ACCOUNT_SPEC)
    username, display_name = typed.text("username").strip(), typed.text("display_name").strip()
    role, password = typed.text("role"), typed.text("password")
    chosen, unknown = _chosen_groups(typed.data["groups"], groups)
    errors: dict[str, str] = {}
    if problem := username_problem(username):
        errors["username"] = problem
    elif await username_taken(username):
        errors["username"] = USERNAME_TAKEN
    if problem := display_name_problem(display_name):
        errors["display_name"] = problem
    if role not in {r.value for r in CREATABLE_ROLES}:
        errors["role"] = N_("请选择楼组长或办公室。")
    if unknown:
        errors["groups"] = OTHER_COMMUNITY_GROUP
    elif problem := groups_problem(role, bool(chosen)):
        errors["groups"] = problem
    # An empty password box: none yet (a leader signs in with a printed card, /admin/cards).
    if problem := password_problem(role, password or None, username, display_name):
        errors["password"] = problem
    return NewAccount(username, display_name, role, chosen), errors


async def create_account(admin: User, form: Any, groups: list[BuildingGroup]) -> tuple[User | None, dict, NewAccount]:
    account, errors = await check_new_account(form, groups)
    if errors:
        return None, errors, account
    community = await Community.get(id=admin.community_id)
    try:
        user = await create_user(
            username=account.username, display_name=account.display_name, role=account.role,
            password=str(form.get("password", "")) or None, community_name=community.name,
            building_groups=[g.number for g in account.groups], allow_weak=False, actor=admin,
        )
    except AccountError as refused:
        return None, {"form": str(refused)}, account
    return user, {}, account


async def update_account(
    request: Request, admin: User, target: User, form: Any, groups: list[BuildingGroup]
) -> dict[str, str]:
    """Display name, and building groups for a leader. Returns errors; audited when changed."""
    typed = read_typed(form, ACCOUNT_SPEC)
    display_name = typed.text("display_name").strip()
    chosen, unknown = _chosen_groups(typed.data["groups"], groups)
    errors: dict[str, str] = {}
    if problem := display_name_problem(display_name):
        errors["display_name"] = problem
    if unknown:
        errors["groups"] = OTHER_COMMUNITY_GROUP
    elif problem := groups_problem(getattr(target.role, "value", target.role), bool(chosen)):
        errors["groups"] = problem
    if errors:
        return errors
    before_groups = sorted(g.number for g in target.building_groups)
    after_groups = sorted(g.number for g in chosen)
    changes: dict[str, Any] = {}
    if display_name != target.display_name:
        changes["display_name"] = {"from": target.display_name, "to": display_name}
    if before_groups != after_groups:
        changes["building_groups"] = {"from": before_groups, "to": after_groups}
    if not changes:
        return {}
    async with in_transaction():
        target.display_name = display_name
        await target.save(update_fields=["display_name", "updated_at"])
        if "building_groups" in changes:
            await target.building_groups.clear()
            if chosen:
                await target.building_groups.add(*chosen)
        await audit.record(request, "account_updated", actor=admin, target_type="user", target_id=target.id,
                           username=target.username, **changes)
    return {}


async def _end_sessions(target: User, keep: DeviceSession | None, revoke: bool) -> int:
    now = now_utc()
    live = DeviceSession.filter(user_id=target.id, revoked_at__isnull=True, ended_at__isnull=True)
    if keep is not None:
        live = live.exclude(id=keep.id)
    if revoke:
        return await live.update(revoked_at=now)
    return await live.update(ended_at=now)


async def reset_password(request: Request, admin: User, target: User, password: str) -> str | None:
    """Sets a new password and logs the user out everywhere (their phones must log in again).

    The sessions are *ended*, not revoked: a phone answers `session_expired` by asking for the
    new password and keeps its outbox, where `session_revoked` (a lost phone) would wipe it.
    """
    if reason := weak_password_reason(password, target.username, target.display_name):
        return reason
    password_hash = await hash_password_off_loop(password)
    async with in_transaction():
        target.password_hash = password_hash
        await target.save(update_fields=["password_hash", "updated_at"])
        keep = request.scope.get("auth") if target.id == admin.id else None
        ended = await _end_sessions(target, keep, revoke=False)
        await audit.record(request, "account_password_reset", actor=admin, target_type="user",
                           target_id=target.id, username=target.username, sessions_ended=ended)
    return None


async def set_active(request: Request, admin: User, target: User, active: bool) -> str | None:
    """Deactivating also revokes every session, so a later reactivation needs a fresh login."""
    if target.id == admin.id and not active:
        return N_("不能停用自己正在使用的账号。")
    if target.active == active:
        return None
    async with in_transaction():
        target.active = active
        await target.save(update_fields=["active", "updated_at"])
        revoked = 0 if active else await _end_sessions(target, None, revoke=True)
        await audit.record(
            request, "account_activated" if active else "account_deactivated", actor=admin,
            target_type="user", target_id=target.id, username=target.username, sessions_revoked=revoked,
        )
    return None


def device_state(session: DeviceSession, now: datetime) -> str:
    if session.revoked_at is not None:
        return "revoked"
    if session.ended_at is not None:
        return "ended"
    if session.expires_at <= now:
        return "expired"
    return "active"


DEVICE_STATE_WORDS = {
    "active": N_("使用中"),
    "revoked": N_("已注销（管理员）"),
    "ended": N_("已退出登录"),
    "expired": N_("已过期"),
}


async def user_devices(target: User) -> list[DeviceSession]:
    return await DeviceSession.filter(user_id=target.id).order_by("-last_seen_at", "-id")


async def revoke_device(request: Request, admin: User, target: User, session_id: int) -> DeviceSession | None:
    """Revokes one device of this user; its next request is told `session_revoked`."""
    session = await DeviceSession.get_or_none(id=session_id, user_id=target.id)
    if session is None:
        return None
    if session.revoked_at is None:
        async with in_transaction():
            await revoke_session(session)
            await audit.record(
                request, "session_revoked", actor=admin, target_type="session", target_id=session.id,
                user_id=target.id, username=target.username, device_label=session.device_label,
            )
    return session
