"""Creating accounts and communities with the checks a real (non-demo) server needs."""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import audit
from server.auth.password_policy import weak_password_reason
from server.auth.passwords import NO_PASSWORD, hash_password_off_loop
from server.models import BuildingGroup, Community, Role, User

USERNAME = re.compile(r"[A-Za-z0-9_-]{3,50}")
MAX_DISPLAY_NAME_CHARS = 50
ROLE_NAMES = ", ".join(role.value for role in Role)


class AccountError(Exception):
    """Why an account (or community) cannot be created, in Chinese, ready to show."""


async def create_user(
    *,
    username: str,
    display_name: str,
    role: str,
    password: str | None,
    community_name: str,
    building_groups: list[int],
    allow_weak: bool,
    actor: User | None = None,
) -> User:
    """Create an account; `actor` is the admin doing it (None from the command line).

    A leader may start without a password (`password=None`): they sign in with a printed card.
    """
    if not USERNAME.fullmatch(username):
        raise AccountError("用户名只能包含字母、数字、下划线和连字符，长度 3 到 50 个字符。")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"没有“{role}”这个角色，只能是 {ROLE_NAMES}。") from None
    display_name = (display_name or "").strip() or username
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        raise AccountError("显示名称最多 50 个字符。")
    community = await Community.get_or_none(name=community_name)
    if community is None:
        raise AccountError(f"找不到居委会“{community_name}”，请检查名称。")
    numbers = sorted(set(building_groups))
    if role is Role.LEADER and not numbers:
        raise AccountError("楼组长至少要负责一个楼组，请指定楼组编号。")
    if role is not Role.LEADER and numbers:
        raise AccountError("只有楼组长才分配楼组；办公室和管理员账号不带楼组。")
    groups = await BuildingGroup.filter(community=community, number__in=numbers)
    missing = sorted(set(numbers) - {g.number for g in groups})
    if missing:
        raise AccountError(f"{community.name}没有编号为 {', '.join(map(str, missing))} 的楼组。")
    if password is None and role is not Role.LEADER:
        raise AccountError("办公室和管理员账号必须设置密码。")
    if password is not None and not password:
        raise AccountError("密码不能为空。")
    if password is not None and not allow_weak and (
        reason := weak_password_reason(password, username, display_name)
    ):
        raise AccountError(reason)
    # Case-insensitive: "Leader01" next to "leader01" would only ever be a mistake.
    if await User.filter(username__iexact=username).exists():
        raise AccountError(f"用户名“{username}”已被使用。")

    password_hash = NO_PASSWORD if password is None else await hash_password_off_loop(password)
    try:
        async with in_transaction():
            user = await User.create(
                username=username, display_name=display_name, role=role,
                password_hash=password_hash, community=community,
            )
            if groups:
                await user.building_groups.add(*groups)
            await audit.record(
                None, "account_created", actor=actor, target_type="user", target_id=user.id,
                community_id=community.id, username=username, role=role.value, building_groups=numbers,
                password_set=password is not None,
            )
    except IntegrityError:  # created by someone else between the check and the insert
        raise AccountError(f"用户名“{username}”已被使用。") from None
    return user


async def create_community(*, name: str, subdistrict: str) -> Community:
    """The first step on a new server: the committee its accounts and groups belong to."""
    name, subdistrict = name.strip(), subdistrict.strip()
    if not name or len(name) > 100 or not subdistrict or len(subdistrict) > 100:
        raise AccountError("居委会名称和街道名称都要填写，各不超过 100 个字符。")
    if await Community.filter(name=name).exists():
        raise AccountError(f"居委会“{name}”已经存在。")
    return await Community.create(name=name, subdistrict=subdistrict)
