"""Residents on screen: the office registers a resident, marks one moved (迁出) or deceased (去世)
after a confirmation — kept, with their visits, but out of the due checks — and finds residents
and households by name, address, room, care flag, age band and status."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from server.checks.rules import resident_checks
from server.core.dates import Month, today_shanghai
from server.models import (
    AuditEvent,
    Community,
    Household,
    Resident,
    ResidentStatus,
    RosterChange,
    VisitResident,
)
from server.office.coverage import coverage
from tests.factories import api_login
from tests.office_factories import Clients, make_roster_change, make_visit
from tests.page_text import field_error, text_of

THIS_YEAR = today_shanghai().year


async def roster_dump():
    return repr((await Resident.all().order_by("id").values(), await Household.all().order_by("id").values()))


@pytest.fixture
async def office(client, world):
    return await api_login(client, "office")


def new_resident(token, **changes):
    form = {"_csrf": token, "name": "周小红", "gender": "F", "birth_year": "1952", "phone": "13912345678",
            "care_flags": ["lives_alone", "hardship"]}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


# --- registering a resident -----------------------------------------------------------------

async def test_registering_a_resident_is_audited_and_shown_living_here(client, world, office):
    household = world.households[1]
    response = await client.post(f"/office/households/{household.id}/residents", data=new_resident(office))
    created = await Resident.get(name="周小红")
    assert response.status_code == 303
    assert response.headers["location"] == f"/office/households/{household.id}?saved=resident_created#resident-{created.id}"
    assert (created.household_id, created.community_id, created.gender, created.birth_year) == (
        household.id, world.community.id, "F", 1952)
    assert (created.phone, created.care_flags, created.status) == ("13912345678", ["hardship", "lives_alone"], ResidentStatus.ACTIVE)
    audit = await AuditEvent.get(action="resident_created")
    assert (audit.target_id, audit.detail) == (str(created.id), {"household_id": household.id, "name": "周小红", "birth_year": 1952})
    page = (await client.get(response.headers["location"])).text
    living = page[page.index('id="h-residents"'):page.index('id="new-resident"')]
    assert f'id="resident-{created.id}"' in living and "居民已登记" in page


async def test_the_same_name_and_birth_year_in_the_household_is_refused(client, world, office):
    household = world.households[0]  # 李建国 1944 and 王美华 1950 live here
    await Resident.filter(id=world.residents["wang"].id).update(status=ResidentStatus.MOVED)
    for name, year in (("李建国", "1944"), ("王美华", "1950")):  # also someone who moved away
        before = await roster_dump()
        response = await client.post(
            f"/office/households/{household.id}/residents", data=new_resident(office, name=f" {name} ", birth_year=year)
        )
        assert response.status_code == 400
        assert field_error(response.text, "error-new-name").startswith("这户已经登记了同名、同出生年份的居民")
        assert 'value="13912345678"' in response.text  # the typed values are kept
        assert await roster_dump() == before
    # The same name born another year, or in another household, is another person.
    assert (await client.post(f"/office/households/{household.id}/residents",
                              data=new_resident(office, name="李建国", birth_year="1970"))).status_code == 303
    assert (await client.post(f"/office/households/{world.households[1].id}/residents",
                              data=new_resident(office, name="李建国", birth_year="1944"))).status_code == 303
    assert await AuditEvent.filter(action="resident_created").count() == 2


BAD_NEW_RESIDENTS = [
    ("birth year too early", {"birth_year": "1890"}, "birth_year", "出生年份应为四位数，例如 1945，不早于 1900 年，也不晚于今年。"),
    ("birth year next year", {"birth_year": str(THIS_YEAR + 1)}, "birth_year", "出生年份应为四位数，例如 1945，不早于 1900 年，也不晚于今年。"),
    ("birth year in words", {"birth_year": "一九五二"}, "birth_year", "出生年份应为四位数，例如 1945，不早于 1900 年，也不晚于今年。"),
    ("no name", {"name": ""}, "name", "请填写姓名。"),
    ("no gender", {"gender": ""}, "gender", "请选择性别。"),
    ("phone with letters", {"phone": "打电话"}, "phone", "电话只能有数字、空格和 + - ( )，3 到 30 个字符；没有电话请留空。"),
    ("unknown care flag", {"care_flags": ["rich"]}, "care_flags", "请从列表中勾选关注情况。"),
]


@pytest.mark.parametrize("what, changes, field, message", BAD_NEW_RESIDENTS, ids=[b[0] for b in BAD_NEW_RESIDENTS])
async def test_a_bad_new_resident_is_refused_in_chinese_and_nothing_stored(client, world, office, what, changes, field, message):
    before = await roster_dump()
    response = await client.post(f"/office/households/{world.households[1].id}/residents", data=new_resident(office, **changes))
    assert response.status_code == 400
    assert field_error(response.text, f"error-new-{field}") == message
    assert await roster_dump() == before and not await AuditEvent.filter(action="resident_created").exists()


async def test_renaming_a_resident_into_another_of_the_household_is_refused(client, world, office):
    wang = world.residents["wang"]
    before = await roster_dump()
    form = {"_csrf": office, "name": "李建国", "gender": "F", "birth_year": "1944", "phone": "", "status": "active"}
    response = await client.post(f"/office/households/{world.households[0].id}/residents/{wang.id}", data=form)
    assert response.status_code == 400
    assert field_error(response.text, f"error-{wang.id}-name").startswith("这户已经登记了同名、同出生年份的居民")
    assert await roster_dump() == before


async def test_approving_a_proposal_that_would_register_someone_twice_is_refused(client, world, office):
    again = await make_roster_change(world, 0, kind="new_resident", proposed={"name": "李建国", "gender": "M", "birth_year": 1944})
    renamed = await make_roster_change(world, 0, resident=world.residents["wang"], proposed={"name": "李建国", "birth_year": 1944})
    before = await roster_dump()
    for change in (again, renamed):
        response = await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})
        assert response.status_code == 400 and "这户已经登记了同名、同出生年份的居民" in response.text
    assert await roster_dump() == before
    assert await RosterChange.filter(state="pending").count() == 2


# --- moved out, deceased --------------------------------------------------------------------

def edit_form(token, resident, **changes):
    form = {"_csrf": token, "name": resident.name, "gender": resident.gender, "birth_year": str(resident.birth_year),
            "phone": resident.phone or "", "care_flags": list(resident.care_flags), "status": "active"}
    form.update(changes)
    return form


@pytest.mark.parametrize("status, word", [("moved", "已搬离"), ("deceased", "已故")])
async def test_moved_or_deceased_is_confirmed_then_kept_with_visits_and_out_of_due_checks(client, world, office, status, word):
    zhang = world.residents["zhang"]  # 高龄 + 独居: checked every 7 days
    household = world.households[2]
    visit = await make_visit(world, 2, datetime.now(timezone.utc) - timedelta(days=20), residents=[zhang])
    now = datetime.now(timezone.utc)
    due = [c.resident.name for c in await resident_checks(world.users["leader01"], now=now)]
    assert due == ["李建国", "王美华", "张桂英"]  # never checked, then 20 days since her last visit
    today = today_shanghai()
    community = await Community.get(id=world.community.id)
    assert (await coverage(community, Month(today.year, today.month), today)).total.flagged == 4
    url = f"/office/households/{household.id}/residents/{zhang.id}"

    asked = await client.post(url, data=edit_form(office, zhang, status=status))
    assert asked.status_code == 200
    assert (await Resident.get(id=zhang.id)).status == ResidentStatus.ACTIVE  # nothing saved yet
    confirm = text_of(asked.text)
    assert f"请确认：把 张桂英 标记为“{word}”" in confirm and "走访记录都会保留" in confirm
    assert f'name="confirm_status" value="{status}"' in asked.text

    done = await client.post(url, data=edit_form(office, zhang, status=status, confirm_status=status))
    assert done.status_code == 303
    stored = await Resident.get(id=zhang.id)
    assert stored.status == status and stored.name == "张桂英"  # kept, never deleted
    assert await VisitResident.filter(visit_id=visit.id, resident_id=zhang.id).exists()  # the visit still saw her
    assert [c.resident.name for c in await resident_checks(world.users["leader01"], now=now)] == ["李建国", "王美华"]
    cov = await coverage(community, Month(today.year, today.month), today)
    assert "张桂英" not in [row.resident.name for group in cov.groups for row in group.needing_visit]
    assert cov.total.flagged == 3  # 李建国, 王美华, 陈阿婆: 张桂英 no longer counted

    page = (await client.get(f"/office/households/{household.id}")).text
    former = page[page.index('id="h-former"'):]
    assert f'id="resident-{zhang.id}"' in former and word in former
    assert f'id="resident-{zhang.id}"' not in page[page.index('id="h-residents"'):page.index('id="h-former"')]
    assert (await AuditEvent.get(action="resident_updated")).detail["changes"]["status"] == {"from": "active", "to": status}


async def test_a_confirmation_for_another_status_asks_again_and_moving_back_needs_none(client, world, office):
    li = world.residents["li"]
    url = f"/office/households/{world.households[0].id}/residents/{li.id}"
    again = await client.post(url, data=edit_form(office, li, status="deceased", confirm_status="moved"))
    assert again.status_code == 200 and (await Resident.get(id=li.id)).status == ResidentStatus.ACTIVE
    await Resident.filter(id=li.id).update(status=ResidentStatus.MOVED)
    back = await client.post(url, data=edit_form(office, li, status="active"))
    assert back.status_code == 303 and (await Resident.get(id=li.id)).status == ResidentStatus.ACTIVE


# --- finding residents ----------------------------------------------------------------------

def names(html: str) -> list[str]:
    """The residents listed, in order (their name cells link to #resident-<id>)."""
    return re.findall(r'<a href="/office/households/\d+#resident-\d+">(.*?)</a>', html)


async def test_search_by_part_of_a_name_an_address_or_a_room(client, world, office):
    assert names((await client.get("/office/residents", params={"q": "建"})).text) == ["李建国"]
    by_address = (await client.get("/office/residents", params={"q": "680弄18号"})).text
    assert names(by_address) == ["陈阿婆", "孙丽"]
    households = by_address[by_address.index('id="h-households"'):by_address.index('id="h-residents"')]
    for household in world.households[3:]:  # 402 has nobody living there, and is found all the same
        assert f'href="/office/households/{household.id}"' in households
    by_room = (await client.get("/office/residents", params={"q": "503"})).text
    assert names(by_room) == ["张桂英"]
    assert "外区居民" not in names((await client.get("/office/residents", params={"q": "居民"})).text)
    everyone = (await client.get("/office/residents")).text
    assert names(everyone) == ["李建国", "王美华", "赵小明", "张桂英", "陈阿婆", "孙丽"]  # group, address, age
    assert 'href="/office/residents" aria-current="page"' in everyone


async def test_listing_by_care_flag_age_band_and_status(client, world, office):
    # Born 1938 (张桂英), 1940 (陈阿婆), 1944 (李建国), 1950 (王美华), 1985, 1990: ages from this year.
    await Resident.filter(id=world.residents["chen"].id).update(birth_year=THIS_YEAR - 90)
    await Resident.filter(id=world.residents["li"].id).update(birth_year=THIS_YEAR - 80)
    await Resident.filter(id=world.residents["zhang"].id).update(birth_year=THIS_YEAR - 79)
    await Resident.filter(id=world.residents["wang"].id).update(birth_year=THIS_YEAR - 70)
    await Resident.filter(id=world.residents["zhao"].id).update(birth_year=THIS_YEAR - 69)

    async def listed(**params):
        response = await client.get("/office/residents", params=params)
        assert response.status_code == 200, response.text
        return sorted(names(response.text))

    assert await listed(flag="age_80_plus") == sorted(["李建国", "张桂英", "陈阿婆"])
    assert await listed(flag="disabled") == ["陈阿婆"]
    assert await listed(flag="watch") == []
    assert await listed(age="60-69") == ["赵小明"]
    assert await listed(age="70-79") == sorted(["王美华", "张桂英"])
    assert await listed(age="80-89") == ["李建国"]
    assert await listed(age="90+") == ["陈阿婆"]
    assert await listed(age="70+") == sorted(["王美华", "张桂英", "李建国", "陈阿婆"])
    assert await listed(age="70+", flag="chronic_illness") == ["王美华"]
    assert await listed(age="70+", group=str(world.groups[1].id)) == ["陈阿婆"]

    await Resident.filter(id=world.residents["li"].id).update(status=ResidentStatus.DECEASED)
    assert "李建国" not in await listed(age="80-89")  # living here by default
    assert await listed(age="80-89", status="deceased") == ["李建国"]
    assert "李建国" in await listed(age="80-89", status="all")


@pytest.mark.parametrize("params, field, message", [
    ({"flag": "rich"}, "flag", "没有这种关注情况。"),
    ({"age": "100-200"}, "age", "没有这个年龄段。"),
    ({"status": "away"}, "status", "没有这种状态。"),
    ({"group": "abc"}, "group", "没有这个楼组。"),
    ({"q": "长" * 51}, "q", "查找的内容最多 50 个字。"),
])
async def test_a_bad_filter_is_a_clear_message_not_an_error_page(client, world, office, params, field, message):
    response = await client.get("/office/residents", params={**params, "page": "x"})
    assert response.status_code == 400
    assert field_error(response.text, f"error-s-{field}") == message
    assert len(names(response.text)) == 6  # the other (default) filters still apply


async def test_a_group_of_another_committee_is_not_a_filter_and_paging_keeps_the_filters(client, world, office):
    other_group = (await Household.get(id=world.other_household.id)).building_group_id
    response = await client.get("/office/residents", params={"group": str(other_group)})
    assert response.status_code == 400 and "外区居民" not in response.text
    household = world.households[5]
    for n in range(60):
        await Resident.create(community=world.community, household=household, name=f"住户{n:02d}", gender="F",
                              birth_year=1950, care_flags=["watch"])
    first = (await client.get("/office/residents", params={"flag": "watch", "q": "住户"})).text
    assert len(names(first)) == 50 and "共 60 人，第 1 / 2 页" in text_of(first)
    assert 'href="/office/residents?q=%E4%BD%8F%E6%88%B7&amp;flag=watch&amp;status=active&amp;page=2"' in first
    second = (await client.get("/office/residents", params={"flag": "watch", "q": "住户", "page": "2"})).text
    assert len(names(second)) == 10 and set(names(first)).isdisjoint(names(second))


async def test_another_committee_never_lists_our_residents(world, settings):
    clients = Clients(settings)
    try:
        other = await clients.login("office_other")
        html = (await other.get("/office/residents", params={"q": "天山路"})).text
        assert names(html) == [] and "天山路680弄" not in html
        assert names((await other.get("/office/residents")).text) == ["外区居民"]
        household = world.households[0]
        response = await other.post(f"/office/households/{household.id}/residents", data=new_resident(clients.csrf["office_other"]))
        assert response.status_code == 404 and not await Resident.filter(name="周小红").exists()
    finally:
        await clients.close()
