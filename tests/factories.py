"""Small, readable test data: two building groups of one committee, plus a second committee."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from server.auth.passwords import hash_password
from server.models import BuildingGroup, Community, Household, Resident, Role, User

PASSWORD = "test-password-楼组"


@dataclass
class World:
    community: Community
    other_community: Community
    groups: list[BuildingGroup]
    households: list[Household]  # 0-2 in groups[0], 3-5 in groups[1]
    residents: dict[str, Resident]
    users: dict[str, User]
    other_household: Household
    extra: dict = field(default_factory=dict)


async def make_user(username: str, role: Role, community: Community | None, groups=(), **kw) -> User:
    user = await User.create(
        username=username, display_name=kw.pop("display_name", username), role=role,
        password_hash=hash_password(PASSWORD), community=community, **kw,
    )
    if groups:
        await user.building_groups.add(*groups)
    return user


async def build_world() -> World:
    # One transaction: one write to disk instead of one per row (most of a test's set-up time).
    async with in_transaction():
        return await _build_world()


async def _build_world() -> World:
    community = await Community.create(name="天山路测试居委", subdistrict="天山路街道")
    other = await Community.create(name="另一个居委", subdistrict="别的街道")
    g1 = await BuildingGroup.create(community=community, number=1, name="天山路680弄16号")
    g2 = await BuildingGroup.create(community=community, number=2, name="天山路680弄18号")
    g_other = await BuildingGroup.create(community=other, number=1, name="别处1号")

    households = []
    for group, rooms in ((g1, ("101", "203", "503")), (g2, ("102", "301", "402"))):
        for room in rooms:
            households.append(
                await Household.create(
                    community=community, building_group=group, room=room,
                    address=f"{group.name}{room}室", visitor_notes="按门铃两次" if room == "503" else "",
                )
            )
    other_household = await Household.create(
        community=other, building_group=g_other, room="101", address="别处1号101室"
    )

    async def resident(name, household, birth_year, flags=(), gender="F"):
        return await Resident.create(
            community_id=household.community_id, household=household, name=name, gender=gender,
            birth_year=birth_year, care_flags=list(flags),
        )

    residents = {
        "zhang": await resident("张桂英", households[2], 1938, ["age_80_plus", "lives_alone"]),
        "li": await resident("李建国", households[0], 1944, ["age_80_plus"], gender="M"),
        "wang": await resident("王美华", households[0], 1950, ["chronic_illness"]),
        "zhao": await resident("赵小明", households[1], 1985, [], gender="M"),
        "chen": await resident("陈阿婆", households[3], 1940, ["age_80_plus", "disabled"]),
        "sun": await resident("孙丽", households[4], 1990, []),
        "other": await resident("外区居民", other_household, 1940, ["age_80_plus"]),
    }
    users = {
        "leader01": await make_user("leader01", Role.LEADER, community, [g1], display_name="王秀英"),
        "leader02": await make_user("leader02", Role.LEADER, community, [g2], display_name="李国强"),
        "office": await make_user("office", Role.OFFICE, community, display_name="居委办公室"),
        "admin": await make_user("admin", Role.ADMIN, community, display_name="管理员"),
        "office_other": await make_user("office_other", Role.OFFICE, other, display_name="别处办公室"),
        "leader_other": await make_user("leader_other", Role.LEADER, other, [g_other], display_name="别处组长"),
    }
    return World(community, other, [g1, g2], households, residents, users, other_household)


async def api_login(client, username: str, password: str = PASSWORD) -> str:
    """Logs the test client in through the JSON API; returns the CSRF token for writes."""
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]
