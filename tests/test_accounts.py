"""Creating accounts and communities: the rules a real (non-demo) server holds to."""

from __future__ import annotations

import pytest

from server.accounts.service import AccountError, create_community, create_user
from server.auth.passwords import NO_PASSWORD, verify_password
from server.models import AuditEvent, Community, User

GOOD_PASSWORD = "Zq8-river-lamp"


def _new(world, **changes):
    fields = dict(
        username="leader03", display_name="周凤英", role="leader", password=GOOD_PASSWORD,
        community_name=world.community.name, building_groups=[2], allow_weak=False,
    )
    return create_user(**{**fields, **changes})


async def test_a_leader_is_created_with_their_groups_and_an_argon2_hash(world):
    user = await _new(world, building_groups=[1, 2])
    stored = await User.get(username="leader03").prefetch_related("building_groups")
    assert stored.id == user.id and stored.display_name == "周凤英" and stored.role == "leader"
    assert stored.community_id == world.community.id
    assert sorted(g.number for g in stored.building_groups) == [1, 2]
    assert stored.password_hash.startswith("$argon2") and verify_password(stored.password_hash, GOOD_PASSWORD)
    event = await AuditEvent.get(action="account_created")
    assert event.target_id == str(user.id) and event.community_id == world.community.id


async def test_office_and_admin_accounts_take_no_groups(world):
    office = await _new(world, username="office2", role="office", building_groups=[])
    assert await office.building_groups.all().count() == 0
    with pytest.raises(AccountError, match="只有楼组长"):
        await _new(world, username="admin2", role="admin", building_groups=[1])


async def test_a_leader_needs_a_group(world):
    with pytest.raises(AccountError, match="至少要负责一个楼组"):
        await _new(world, building_groups=[])


@pytest.mark.parametrize("password, why", [
    ("short-1", "至少需要 10 个字符"),
    ("1234567890", "太常见"),
    ("my-leader03-pass", "不能包含用户名"),
    ("", "不能为空"),
])
async def test_a_weak_password_is_refused(world, password, why):
    with pytest.raises(AccountError, match=why):
        await _new(world, password=password)
    assert not await User.exists(username="leader03")


async def test_a_weak_password_is_allowed_only_when_asked_for(world):
    user = await _new(world, password="louzu-demo", allow_weak=True)
    assert verify_password(user.password_hash, "louzu-demo")
    with pytest.raises(AccountError, match="不能为空"):
        await _new(world, username="leader04", password="", allow_weak=True)


async def test_an_unknown_community_is_refused(world):
    with pytest.raises(AccountError, match="找不到居委会“没有这个居委”"):
        await _new(world, community_name="没有这个居委")


async def test_a_group_of_another_community_is_unknown_here(world):
    # Group numbers are per community: the other one has only a group 1, so this one's 2 is unknown there.
    with pytest.raises(AccountError, match="没有编号为 3 的楼组"):
        await _new(world, building_groups=[1, 3])
    with pytest.raises(AccountError, match="另一个居委没有编号为 2 的楼组"):
        await _new(world, community_name=world.other_community.name, building_groups=[1, 2])


async def test_a_username_is_taken_whatever_its_case(world):
    for taken in ("leader01", "LEADER01"):
        with pytest.raises(AccountError, match="这个用户名已经有人用了"):
            await _new(world, username=taken)
    assert await User.filter(username__iexact="leader01").count() == 1


@pytest.mark.parametrize("username", ["ab", "有中文", "with space", "a" * 51, "semi;colon"])
async def test_a_malformed_username_is_refused(world, username):
    with pytest.raises(AccountError, match="用户名只能用字母、数字、下划线和连字符"):
        await _new(world, username=username)


async def test_an_unknown_role_is_refused(world):
    with pytest.raises(AccountError, match="没有“boss”这个角色"):
        await _new(world, role="boss")


async def test_a_community_is_created_once(db):
    community = await create_community(name=" 新建居民区 ", subdistrict="某街道")
    assert (community.name, community.subdistrict) == ("新建居民区", "某街道")
    with pytest.raises(AccountError, match="已经存在"):
        await create_community(name="新建居民区", subdistrict="某街道")
    with pytest.raises(AccountError, match="都要填写"):
        await create_community(name="另一个", subdistrict=" ")
    assert await Community.all().count() == 1


async def test_a_leader_may_have_no_password_but_staff_must(world):
    leader = await _new(world, password=None)
    assert leader.password_hash == NO_PASSWORD and not verify_password(leader.password_hash, "")
    with pytest.raises(AccountError, match="必须设置密码"):
        await _new(world, username="office2", role="office", building_groups=[], password=None)
