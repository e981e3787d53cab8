"""Creating accounts and communities with the checks a real (non-demo) server needs.

The account rules are here once, each a function answering the problem's msgid (or None): the
command line raises them as AccountError, the admin's form shows them next to their field.
"""

from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import audit
from server.auth.password_policy import weak_password_reason
from server.auth.passwords import NO_PASSWORD, hash_password_off_loop
from server.core.limits import MAX_DISPLAY_NAME_CHARS
from server.models import BuildingGroup, Community, Role, User
from sync.vocabulary import N_

USERNAME = re.compile(r"[A-Za-z0-9_-]{3,50}")
ROLE_NAMES = ", ".join(role.value for role in Role)
BAD_USERNAME = N_("用户名只能用字母、数字、下划线和连字符，3 到 50 个字符。")
USERNAME_TAKEN = N_("这个用户名已经有人用了。")


def username_problem(username: str) -> str | None:
    return None if USERNAME.fullmatch(username) else BAD_USERNAME


async def username_taken(username: str) -> bool:
    # Case-insensitive: "Leader01" next to "leader01" would only ever be a mistake.
    return await User.filter(username__iexact=username).exists()


def display_name_problem(display_name: str) -> str | None:
    if not display_name:
        return N_("请填写姓名。")
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        return N_("姓名最多 50 个字。")
    return None


def groups_problem(role: str, has_groups: bool) -> str | None:
    """Leaders look after building groups; no one else has any."""
    if role == Role.LEADER.value and not has_groups:
        return N_("楼组长至少要负责一个楼组。")
    if role != Role.LEADER.value and has_groups:
        return N_("只有楼组长才分配楼组。")
    return None


def password_problem(role: str, password: str | None, username: str, display_name: str) -> str | None:
    """None: no password, for a leader only (they sign in with a printed card)."""
    if password is None:
        return None if role == Role.LEADER.value else N_("办公室和管理员账号必须设置密码。")
    return weak_password_reason(password, username, display_name)


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
    if problem := username_problem(username):
        raise AccountError(problem)
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"没有“{role}”这个角色，只能是 {ROLE_NAMES}。") from None
    display_name = (display_name or "").strip() or username
    if problem := display_name_problem(display_name):
        raise AccountError(problem)
    community = await Community.get_or_none(name=community_name)
    if community is None:
        raise AccountError(f"找不到居委会“{community_name}”，请检查名称。")
    numbers = sorted(set(building_groups))
    if problem := groups_problem(role.value, bool(numbers)):
        raise AccountError(problem)
    groups = await BuildingGroup.filter(community=community, number__in=numbers)
    missing = sorted(set(numbers) - {g.number for g in groups})
    if missing:
        raise AccountError(f"{community.name}没有编号为 {', '.join(map(str, missing))} 的楼组。")
    if password is not None and not password:
        raise AccountError("密码不能为空。")
    # allow_weak (demo accounts) skips the strength rule, never the "staff need one" rule.
    if (password is None or not allow_weak) and (
        problem := password_problem(role.value, password, username, display_name)
    ):
        raise AccountError(problem)
    if await username_taken(username):
        raise AccountError(USERNAME_TAKEN)

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
        raise AccountError(USERNAME_TAKEN) from None
    return user


async def create_community(*, name: str, subdistrict: str) -> Community:
    """The first step on a new server: the committee its accounts and groups belong to."""
    name, subdistrict = name.strip(), subdistrict.strip()
    if not name or len(name) > 100 or not subdistrict or len(subdistrict) > 100:
        raise AccountError("居委会名称和街道名称都要填写，各不超过 100 个字符。")
    if await Community.filter(name=name).exists():
        raise AccountError(f"居委会“{name}”已经存在。")
    return await Community.create(name=name, subdistrict=subdistrict)
