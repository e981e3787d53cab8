"""Building groups on screen: the office lists, creates and renames groups, assigns leaders to
them, adds households and moves a household to another group — audited, with clear refusals,
and never across committees."""

from __future__ import annotations

import re

import pytest

from server.models import AuditEvent, BuildingGroup, Household, Resident, ResidentStatus, User
from tests.factories import api_login
from tests.page_text import field_error, text_of


async def dump():
    return repr((
        await BuildingGroup.all().order_by("id").values(), await Household.all().order_by("id").values(),
        await Resident.all().order_by("id").values(),
        await User.all().prefetch_related("building_groups").order_by("id").values("id", "building_groups__id"),
    ))


@pytest.fixture
async def office(client, world):
    return await api_login(client, "office")


@pytest.fixture
async def people(world, clients):
    return await clients.login_all("office", "leader01", "leader02", "office_other"), clients.csrf


# --- the list -------------------------------------------------------------------------------

async def test_the_groups_page_lists_numbers_names_counts_and_leaders(client, world, office):
    await Resident.filter(id=world.residents["wang"].id).update(status=ResidentStatus.MOVED)
    html = (await client.get("/office/groups")).text
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [text_of(row).split() for row in rows if "/office/groups/" in row]
    # number, name, households, residents living there (王美华 moved away), leaders
    assert cells == [["1", "天山路680弄16号", "3", "3", "王秀英"], ["2", "天山路680弄18号", "3", "2", "李国强"]]
    assert f'href="/office/groups/{world.groups[0].id}"' in html
    assert 'href="/office/groups" aria-current="page"' in html  # in the office navigation
    assert "别处1号" not in html


# --- create and rename ----------------------------------------------------------------------

async def test_creating_a_group_is_audited_and_a_taken_number_is_refused(client, world, office):
    created = await client.post("/office/groups", data={"_csrf": office, "number": "１６", "name": " 天山路680弄20号 "})
    group = await BuildingGroup.get(community_id=world.community.id, number=16)
    assert created.status_code == 303 and created.headers["location"] == f"/office/groups/{group.id}?saved=created"
    assert group.name == "天山路680弄20号"
    audit = await AuditEvent.get(action="group_created")
    assert (audit.target_id, audit.detail, audit.community_id) == (str(group.id), {"number": 16, "name": "天山路680弄20号"}, world.community.id)
    assert "楼组已建立" in (await client.get(created.headers["location"])).text

    before = await dump()
    taken = await client.post("/office/groups", data={"_csrf": office, "number": "2", "name": "重复的楼组"})
    assert taken.status_code == 400
    assert field_error(taken.text, "error-new-group-number") == "本居委会已经有这个编号的楼组了，请换一个编号。"
    assert 'value="重复的楼组"' in taken.text  # what was typed is kept
    assert await dump() == before and await AuditEvent.filter(action="group_created").count() == 1


async def test_the_same_number_in_another_committee_is_no_clash(client, world, office):
    # The other committee has a group 1 too; ours may have a group 3 and theirs could have 3 as well.
    await BuildingGroup.create(community=world.other_community, number=3, name="别处3号")
    response = await client.post("/office/groups", data={"_csrf": office, "number": "3", "name": "天山路680弄22号"})
    assert response.status_code == 303
    assert await BuildingGroup.filter(number=3).count() == 2


BAD_GROUPS = [
    ("no number", {"number": ""}, "number", "楼组编号应为 1 到 9999 之间的整数，例如 16。"),
    ("number in words", {"number": "十六"}, "number", "楼组编号应为 1 到 9999 之间的整数，例如 16。"),
    ("number zero", {"number": "0"}, "number", "楼组编号应为 1 到 9999 之间的整数，例如 16。"),
    ("number too big", {"number": "10000"}, "number", "楼组编号应为 1 到 9999 之间的整数，例如 16。"),
    ("no name", {"name": "  "}, "name", "请填写楼组名称，例如 延安西路200弄5号。"),
    ("name too long", {"name": "楼" * 101}, "name", "楼组名称应为一行，最多 100 个字。"),
]


@pytest.mark.parametrize("what, changes, field, message", BAD_GROUPS, ids=[b[0] for b in BAD_GROUPS])
async def test_a_bad_new_group_is_refused_with_the_reason_and_nothing_stored(client, world, office, what, changes, field, message):
    before = await dump()
    response = await client.post("/office/groups", data={"_csrf": office, "number": "7", "name": "七号楼", **changes})
    assert response.status_code == 400
    assert field_error(response.text, f"error-new-group-{field}") == message
    assert f'aria-describedby="error-new-group-{field}"' in response.text
    assert await dump() == before and not await AuditEvent.filter(action="group_created").exists()


async def test_renaming_and_renumbering_a_group(client, world, office):
    group = world.groups[1]
    url = f"/office/groups/{group.id}"
    saved = await client.post(url, data={"_csrf": office, "number": "18", "name": "天山路680弄18号（东）"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?saved=group"
    stored = await BuildingGroup.get(id=group.id)
    assert (stored.number, stored.name) == (18, "天山路680弄18号（东）")
    audit = await AuditEvent.get(action="group_updated")
    assert audit.detail == {"changes": {"number": {"from": 2, "to": 18}, "name": {"from": "天山路680弄18号", "to": "天山路680弄18号（东）"}}}
    again = await client.post(url, data={"_csrf": office, "number": "18", "name": "天山路680弄18号（东）"})
    assert again.headers["location"] == f"{url}?saved=none"

    before = await dump()
    taken = await client.post(url, data={"_csrf": office, "number": "1", "name": "改个名字"})
    assert taken.status_code == 400
    assert field_error(taken.text, "error-group-number") == "本居委会已经有这个编号的楼组了，请换一个编号。"
    assert await dump() == before and await AuditEvent.filter(action="group_updated").count() == 1
    # The list shows the new name.
    assert "天山路680弄18号（东）" in text_of((await client.get("/office/groups")).text)


# --- leaders --------------------------------------------------------------------------------

async def test_assigning_a_leader_puts_the_groups_households_on_their_home(world, people):
    clients, csrf = people
    group = world.groups[0]
    home = text_of((await clients["leader02"].get("/")).text)
    assert "张桂英" not in home and "天山路680弄16号" not in home and "孙丽" in home
    leaders = [world.users["leader01"].id, world.users["leader02"].id]
    response = await clients["office"].post(
        f"/office/groups/{group.id}/leaders", data={"_csrf": csrf["office"], "leaders": [str(i) for i in leaders]}
    )
    assert response.status_code == 303 and response.headers["location"].endswith("saved=leaders#leaders")
    leader02 = await User.get(username="leader02")
    assert {g.number for g in await leader02.building_groups} == {1, 2}  # a leader may have several groups
    home = text_of((await clients["leader02"].get("/")).text)
    assert "张桂英" in home and "天山路680弄16号" in home and "孙丽" in home
    assert "张桂英" in text_of((await clients["leader02"].get(f"/households/{world.households[2].id}")).text)
    audit = await AuditEvent.get(action="group_leaders_updated")
    assert audit.detail == {"number": 1, "added": ["leader02"], "removed": []}
    page = text_of((await clients["office"].get("/office/groups")).text)
    assert "王秀英、李国强" in page

    # leader02 keeps group 2, so may leave group 1 again.
    back = await clients["office"].post(
        f"/office/groups/{group.id}/leaders", data={"_csrf": csrf["office"], "leaders": [str(leaders[0])]}
    )
    assert back.status_code == 303
    assert {g.number for g in await leader02.building_groups} == {2}
    assert (await clients["leader02"].get(f"/households/{world.households[2].id}")).status_code == 404


async def test_a_leaders_only_group_cannot_be_taken_away_and_strangers_cannot_be_added(client, world, office):
    group = world.groups[0]
    url = f"/office/groups/{group.id}/leaders"
    before = await dump()
    only_group = await client.post(url, data={"_csrf": office})  # leader01 unticked: their only group
    assert only_group.status_code == 400
    message = field_error(only_group.text, "leaders-error")
    assert message.startswith("楼组长至少要负责一个楼组。") and "王秀英" in message
    for stranger in (world.users["leader_other"], world.users["office"]):
        response = await client.post(url, data={"_csrf": office, "leaders": [str(world.users["leader01"].id), str(stranger.id)]})
        assert response.status_code == 400
        assert field_error(response.text, "leaders-error") == "只能选择本居委会的楼组长。"
    assert await dump() == before and not await AuditEvent.filter(action="group_leaders_updated").exists()


# --- households -----------------------------------------------------------------------------

async def test_a_room_that_is_a_word_is_stored_as_the_roster_import_stores_it(client, world, office):
    from server.roster_import.cells import full_address

    response = await client.post(
        f"/office/groups/{world.groups[0].id}/households",
        data={"_csrf": office, "address": "天山路680弄16号", "room": "亭子间"},
    )
    assert response.status_code == 303
    household = await Household.get(room="亭子间")
    assert household.address == "天山路680弄16号亭子间" == full_address("天山路680弄16号", "亭子间")


async def test_the_group_page_lists_its_households_in_room_order_with_links(client, world, office):
    group = world.groups[0]
    await Household.create(community=world.community, building_group=group, room="1001", address="天山路680弄16号1001室")
    html = (await client.get(f"/office/groups/{group.id}")).text
    rooms = re.findall(r"<tr>\s*<td>(\w+)</td>", html)
    assert rooms == ["101", "203", "503", "1001"]
    for household in world.households[:3]:
        assert f'<a href="/office/households/{household.id}">{household.address}</a>' in html
    assert world.households[3].address not in html  # another group's
    assert 'name="address" maxlength="180" required value="天山路680弄16号"' in html  # the group's address to start from


async def test_adding_a_household_makes_the_address_from_street_and_room(client, world, office):
    group = world.groups[0]
    response = await client.post(
        f"/office/groups/{group.id}/households",
        data={"_csrf": office, "address": "天山路680弄16号", "room": "601室", "visitor_notes": "有狗，先敲门"},
    )
    household = await Household.get(address="天山路680弄16号601室")
    assert response.status_code == 303
    assert response.headers["location"] == f"/office/households/{household.id}?saved=household_created"
    assert (household.room, household.building_group_id, household.community_id) == ("601", group.id, world.community.id)
    assert household.visitor_notes == "有狗，先敲门"
    audit = await AuditEvent.get(action="household_created")
    assert audit.target_id == str(household.id) and audit.detail["address"] == "天山路680弄16号601室"
    page = text_of((await client.get(response.headers["location"])).text)
    assert "住户已添加" in page and "登记新居民" in page


BAD_HOUSEHOLDS = [
    ("already there", {"address": "天山路680弄16号", "room": "503"}, "address", "本居委会已经有这个地址的住户了"),
    ("already there, full-width", {"address": "天山路６８０弄１６号", "room": "５０３"}, "address", "本居委会已经有这个地址的住户了"),
    ("no address", {"address": ""}, "address", "请填写地址"),
    ("room in the address", {"address": "天山路680弄16号601室"}, "address", "地址只写到门牌号为止"),
    ("no room", {"room": " "}, "room", "请填写室号"),
    ("room too long", {"room": "1" * 21}, "room", "室号应为一行，最多 20 个字。"),
    ("notes too long", {"visitor_notes": "按" * 2001}, "visitor_notes", "上门提示最多 2000 个字。"),
]


@pytest.mark.parametrize("what, changes, field, message", BAD_HOUSEHOLDS, ids=[b[0] for b in BAD_HOUSEHOLDS])
async def test_a_bad_or_duplicate_household_is_refused_and_nothing_stored(client, world, office, what, changes, field, message):
    before = await dump()
    form = {"_csrf": office, "address": "天山路680弄16号", "room": "602", "visitor_notes": "", **changes}
    response = await client.post(f"/office/groups/{world.groups[0].id}/households", data=form)
    assert response.status_code == 400
    assert message in (field_error(response.text, f"error-household-{field}") or "")
    assert await dump() == before and not await AuditEvent.filter(action="household_created").exists()


async def test_an_address_of_another_committee_is_not_a_duplicate(client, world, office):
    # 别处1号101室 belongs to the other committee: ours may have a household there too.
    response = await client.post(
        f"/office/groups/{world.groups[0].id}/households", data={"_csrf": office, "address": "别处1号", "room": "101"}
    )
    assert response.status_code == 303
    assert await Household.filter(address="别处1号101室").count() == 2


async def test_editing_a_household_to_another_households_address_is_refused(client, world, office):
    household = world.households[0]
    before = await dump()
    response = await client.post(
        f"/office/households/{household.id}",
        data={"_csrf": office, "address": "天山路680弄16号503室", "room": "503", "visitor_notes": ""},
    )
    assert response.status_code == 400
    assert "本居委会已经有这个地址的住户了" in field_error(response.text, "error-household-address")
    assert await dump() == before


async def test_moving_a_household_to_another_group(world, people):
    clients, csrf = people
    household = world.households[2]  # 张桂英's, in group 1
    url = f"/office/households/{household.id}/group"
    moved = await clients["office"].post(url, data={"_csrf": csrf["office"], "building_group": str(world.groups[1].id)})
    assert moved.status_code == 303 and moved.headers["location"].endswith("saved=moved_group")
    assert (await Household.get(id=household.id)).building_group_id == world.groups[1].id
    audit = await AuditEvent.get(action="household_moved")
    assert audit.detail["building_group"] == {"from": 1, "to": 2}
    assert (await clients["leader01"].get(f"/households/{household.id}")).status_code == 404
    assert "张桂英" in text_of((await clients["leader02"].get(f"/households/{household.id}")).text)

    before = await dump()
    other_group = await BuildingGroup.get(community_id=world.other_community.id)
    refused = await clients["office"].post(url, data={"_csrf": csrf["office"], "building_group": str(other_group.id)})
    assert refused.status_code == 400
    assert field_error(refused.text, "error-group-building_group") == "请选择本居委会的楼组。"
    assert await dump() == before


# --- another committee ----------------------------------------------------------------------

async def test_another_committee_never_sees_or_changes_our_groups(world, people):
    clients, csrf = people
    other, token = clients["office_other"], csrf["office_other"]
    listing = (await other.get("/office/groups")).text
    assert "别处1号" in listing and "天山路680弄" not in listing
    group = world.groups[0]
    before = await dump()
    assert (await other.get(f"/office/groups/{group.id}")).status_code == 404
    assert (await other.post(f"/office/groups/{group.id}", data={"_csrf": token, "number": "9", "name": "x"})).status_code == 404
    leaders = {"_csrf": token, "leaders": [str(world.users["leader_other"].id)]}
    assert (await other.post(f"/office/groups/{group.id}/leaders", data=leaders)).status_code == 404
    new = {"_csrf": token, "address": "天山路680弄16号", "room": "888"}
    assert (await other.post(f"/office/groups/{group.id}/households", data=new)).status_code == 404
    move = {"_csrf": token, "building_group": str(group.id)}
    assert (await other.post(f"/office/households/{world.other_household.id}/group", data=move)).status_code == 400
    assert await dump() == before
