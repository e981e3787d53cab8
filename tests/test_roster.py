"""The roster: leaders report changes (HTML form or push), the office approves (applied to the
residents at once) or rejects (with a reason, nothing changes), and edits households and
residents directly — with clear errors, nothing half-saved, everything audited."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from server.models import AuditEvent, Household, Resident, ResidentStatus, RosterChange, RosterChangeState
from tests.factories import api_login
from tests.office_factories import Clients, make_roster_change
from tests.page_text import text_of
from tests.record_factories import new_resident_record, roster_record


async def roster_dump():
    return repr((await Resident.all().order_by("id").values(), await Household.all().order_by("id").values()))


@pytest.fixture
async def people(world, settings):
    clients = Clients(settings)
    logged = {name: await clients.login(name) for name in ("office", "leader01", "office_other")}
    yield logged, clients.csrf
    await clients.close()


@pytest.fixture
async def office(client, world):
    return await api_login(client, "office")


# --- the office's list and decisions ----------------------------------------------------------

async def test_the_roster_page_lists_pending_newest_first_with_what_would_change(client, world, office):
    now = datetime.now(timezone.utc)
    li = world.residents["li"]
    older = await make_roster_change(world, resident=li, proposed={"phone": "13900001111", "care_flags": ["age_80_plus", "watch"]},
                                     note="换了手机号", received_at=now - timedelta(hours=3))
    newer = await make_roster_change(world, 2, kind="new_resident", proposed={"name": "周小红", "gender": "F", "birth_year": 1952},
                                     received_at=now - timedelta(hours=1))
    decided = await make_roster_change(world, resident=world.residents["wang"], kind="moved", proposed={})
    await RosterChange.filter(id=decided.id).update(state="rejected", decided_at=now, decision_reason="她还住在这里",
                                                    decided_by_id=world.users["office"].id)

    html = (await client.get("/office/roster")).text
    pending = html[html.index("等待确认（2）"):html.index("最近处理过的")]
    assert pending.index(f'id="change-{newer.id}"') < pending.index(f'id="change-{older.id}"')
    older_block = text_of(pending[pending.index(f'id="change-{older.id}"'):])
    assert "信息变化" in older_block and "李建国" in older_block and "王秀英" in older_block
    assert "13900001111" in older_block and "重点关注" in older_block and "换了手机号" in older_block
    assert "周小红" in text_of(pending) and "新来居民" in text_of(pending)
    assert f'action="/office/roster/{older.id}/approve"' in pending and f'action="/office/roster/{older.id}/reject"' in pending
    done = text_of(html[html.index("最近处理过的"):])
    assert "王美华" in done and "不采纳" in done and "她还住在这里" in done


async def test_approving_an_update_changes_the_resident_at_once_and_is_audited(client, world, office):
    li = world.residents["li"]
    proposed = {"phone": "13900001111", "care_flags": ["watch"], "name": "李建华"}
    change = await make_roster_change(world, resident=li, proposed=proposed)

    response = await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})

    assert response.status_code == 303 and response.headers["location"] == "/office/roster?saved=approved"
    resident = await Resident.get(id=li.id)
    assert (resident.phone, resident.care_flags, resident.name) == ("13900001111", ["watch"], "李建华")
    assert (resident.gender, resident.birth_year, resident.status) == ("M", 1944, ResidentStatus.ACTIVE)  # untouched
    stored = await RosterChange.get(id=change.id)
    assert (stored.state, stored.decided_by_id) == (RosterChangeState.APPROVED, world.users["office"].id)
    assert stored.decided_at is not None
    audit = await AuditEvent.get(action="roster_approved")
    assert (audit.target_type, audit.target_id, audit.community_id) == ("roster_change", str(change.id), world.community.id)
    assert audit.detail["before"]["phone"] is None and audit.detail["before"]["care_flags"] == ["age_80_plus"]
    assert "已采纳" in (await client.get(response.headers["location"])).text


async def test_approving_a_new_resident_creates_them_in_that_household(client, world, office):
    household = world.households[2]
    change = await make_roster_change(world, 2, kind="new_resident",
                                      proposed={"name": "周小红", "gender": "F", "birth_year": 1952, "care_flags": ["lives_alone"]})
    await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})
    created = await Resident.get(name="周小红")
    assert (created.household_id, created.community_id, created.gender, created.birth_year) == (
        household.id, world.community.id, "F", 1952)
    assert (created.care_flags, created.phone, created.status) == (["lives_alone"], None, ResidentStatus.ACTIVE)
    assert (await RosterChange.get(id=change.id)).resident_id == created.id


@pytest.mark.parametrize("kind, status", [("moved", ResidentStatus.MOVED), ("deceased", ResidentStatus.DECEASED)])
async def test_approving_moved_or_deceased_sets_the_residents_status(client, world, office, kind, status):
    li = world.residents["li"]
    change = await make_roster_change(world, resident=li, kind=kind, proposed={})
    await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})
    assert (await Resident.get(id=li.id)).status == status


async def test_rejecting_needs_a_reason_and_changes_nothing(client, world, office):
    li = world.residents["li"]
    change = await make_roster_change(world, resident=li, kind="deceased", proposed={})
    before = await roster_dump()

    no_reason = await client.post(f"/office/roster/{change.id}/reject", data={"_csrf": office, "reason": "  "})
    assert no_reason.status_code == 400
    assert f'id="error-{change.id}-reason"' in no_reason.text and "不采纳时请写明原因" in no_reason.text
    assert (await RosterChange.get(id=change.id)).state == RosterChangeState.PENDING

    rejected = await client.post(f"/office/roster/{change.id}/reject", data={"_csrf": office, "reason": "电话核实过，老人健在"})
    assert rejected.status_code == 303
    stored = await RosterChange.get(id=change.id)
    assert (stored.state, stored.decision_reason) == (RosterChangeState.REJECTED, "电话核实过，老人健在")
    assert await roster_dump() == before
    audit = await AuditEvent.get(action="roster_rejected")
    assert audit.detail["reason"] == "电话核实过，老人健在" and audit.target_id == str(change.id)


async def test_a_decided_proposal_cannot_be_decided_again(client, world, office):
    change = await make_roster_change(world, resident=world.residents["li"], proposed={"phone": "111222"})
    await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})
    await Resident.filter(id=world.residents["li"].id).update(phone="999888")
    again = await client.post(f"/office/roster/{change.id}/approve", data={"_csrf": office})
    reject = await client.post(f"/office/roster/{change.id}/reject", data={"_csrf": office, "reason": "再看看"})
    assert again.status_code == reject.status_code == 400
    assert "这条建议已经处理过了" in again.text
    assert (await Resident.get(id=world.residents["li"].id)).phone == "999888"  # not applied twice
    assert await AuditEvent.filter(action__in=["roster_approved", "roster_rejected"]).count() == 1


async def test_another_community_never_sees_or_decides_our_proposals(world, people):
    clients, csrf = people
    change = await make_roster_change(world, resident=world.residents["li"], proposed={"phone": "13900001111"})
    other = clients["office_other"]
    page = (await other.get("/office/roster")).text
    assert "李建国" not in page and "天山路680弄" not in page
    for action in ("approve", "reject"):
        response = await other.post(f"/office/roster/{change.id}/{action}", data={"_csrf": csrf["office_other"], "reason": "x"})
        assert response.status_code == 404
    assert (await other.post("/office/roster/not-a-uuid/approve", data={"_csrf": csrf["office_other"]})).status_code == 404
    assert (await RosterChange.get(id=change.id)).state == RosterChangeState.PENDING
    assert (await other.get(f"/office/households/{world.households[0].id}")).status_code == 404
    resident_url = f"/office/households/{world.households[0].id}/residents/{world.residents['li'].id}"
    assert (await other.post(resident_url, data={"_csrf": csrf["office_other"], "name": "x"})).status_code == 404


# --- the whole way: a leader reports, the office decides, the leader sees it -----------------

async def test_a_new_resident_reported_on_the_phone_form_is_approved_and_appears(world, people):
    clients, csrf = people
    leader, office = clients["leader01"], clients["office"]
    household = world.households[0]
    roster_before = await roster_dump()

    reported = await leader.post(f"/households/{household.id}/roster", data={
        "_csrf": csrf["leader01"], "id": "", "household_id": str(household.id), "change": "new_resident",
        "resident_id": "", "fields.name": "周小红", "fields.gender": "F", "fields.birth_year": "1952",
        "fields.phone": "", "fields.care_flags": ["lives_alone", "age_80_plus"], "note": "女儿家搬来的",
    })

    assert reported.status_code == 303, reported.text
    change = await RosterChange.get()
    assert reported.headers["location"] == f"/households/{household.id}?reported={change.id}#proposals"
    assert change.proposed == {"name": "周小红", "gender": "F", "birth_year": 1952, "care_flags": ["age_80_plus", "lives_alone"]}
    assert await roster_dump() == roster_before  # nothing changes before the office says so
    page = (await leader.get(reported.headers["location"])).text
    waiting = text_of(page[page.index('id="proposals"'):])
    assert "已报告住户变化" in text_of(page) and "等待办公室确认" in waiting and "周小红" in waiting

    assert "周小红" in (await office.get("/office/roster")).text
    await office.post(f"/office/roster/{change.id}/approve", data={"_csrf": csrf["office"]})

    after = (await leader.get(f"/households/{household.id}")).text
    residents = text_of(after[after.index("residents-heading"):after.index('id="proposals"')])
    assert "周小红" in residents and "独居" in residents
    assert "居委会已采纳" in text_of(after[after.index('id="proposals"'):])
    assert f'name="resident_ids" value="{(await Resident.get(name="周小红")).id}"' in after  # in the visit form now


async def test_a_change_pushed_from_the_outbox_reaches_the_office(world, people):
    clients, csrf = people
    record = roster_record(world.households[0], "moved", resident=world.residents["wang"], note="搬去儿子家")
    response = await clients["leader01"].post(
        "/api/sync/push", json={"protocol": 1, "records": [record]}, headers={"X-CSRFToken": csrf["leader01"]}
    )
    assert response.json()["results"] == [{"id": record["id"], "status": "applied", "version": 1}]
    page = text_of((await clients["office"].get("/office/roster")).text)
    assert "搬走" in page and "王美华" in page and "搬去儿子家" in page


async def test_a_rejected_report_shows_the_reason_to_the_leader(world, people):
    clients, csrf = people
    change = await make_roster_change(world, resident=world.residents["li"], kind="deceased", proposed={})
    await clients["office"].post(f"/office/roster/{change.id}/reject", data={"_csrf": csrf["office"], "reason": "老人健在，打错了"})
    page = text_of((await clients["leader01"].get(f"/households/{world.households[0].id}")).text)
    assert "居委会没有采纳" in page and "老人健在，打错了" in page


# --- direct edits by the office ---------------------------------------------------------------

async def test_the_household_page_shows_everything_editable(client, world, office):
    await Resident.filter(id=world.residents["wang"].id).update(status=ResidentStatus.MOVED)
    pending = await make_roster_change(world, resident=world.residents["li"])
    html = (await client.get(f"/office/households/{world.households[0].id}")).text
    assert 'name="address" maxlength="200" value="天山路680弄16号101室"' in html
    assert f'action="/office/households/{world.households[0].id}/residents/{world.residents["li"].id}"' in html
    assert f'action="/office/households/{world.households[0].id}/residents/{world.residents["wang"].id}"' in html
    assert 'value="age_80_plus" checked' in html and "已搬离" in html
    assert f'href="/office/roster?household={world.households[0].id}#change-{pending.id}"' in html


async def test_saving_a_household_is_audited_and_a_form_without_changes_saves_nothing(client, world, office):
    household = world.households[0]
    form = {"_csrf": office, "address": "天山路680弄16号101室", "room": "101", "visitor_notes": "白天在家"}
    saved = await client.post(f"/office/households/{household.id}", data=form)
    assert saved.status_code == 303 and saved.headers["location"].endswith("saved=household")
    assert (await Household.get(id=household.id)).visitor_notes == "白天在家"
    audit = await AuditEvent.get(action="household_updated")
    assert audit.detail == {"changes": {"visitor_notes": {"from": "", "to": "白天在家"}}}
    again = await client.post(f"/office/households/{household.id}", data=form)
    assert again.headers["location"].endswith("saved=none")
    assert await AuditEvent.filter(action="household_updated").count() == 1


BAD_HOUSEHOLDS = [
    ("no address", {"address": " "}, "address", "请填写地址。"),
    ("address too long", {"address": "路" * 201}, "address", "地址应为一行，最多 200 个字。"),
    ("no room", {"room": ""}, "room", "请填写房号。"),
    ("room too long", {"room": "1" * 21}, "room", "房号应为一行，最多 20 个字。"),
    ("notes too long", {"visitor_notes": "按" * 2001}, "visitor_notes", "上门提示最多 2000 个字。"),
]


@pytest.mark.parametrize("what, changes, field, message", BAD_HOUSEHOLDS, ids=[b[0] for b in BAD_HOUSEHOLDS])
async def test_a_bad_household_form_shows_the_error_and_changes_nothing(client, world, office, what, changes, field, message):
    household = world.households[0]
    before = await roster_dump()
    form = {"_csrf": office, "address": "新地址1号", "room": "102", "visitor_notes": "先打电话", **changes}
    response = await client.post(f"/office/households/{household.id}", data=form)
    assert response.status_code == 400
    error = re.search(rf'<p class="field-error" id="error-household-{field}"><span class="shape shape-octagon" aria-hidden="true">!</span> (.*?)</p>', response.text)
    assert error and error.group(1) == message
    assert f'aria-describedby="error-household-{field}"' in response.text
    assert "先打电话" in response.text or field == "visitor_notes"  # what was typed is kept
    assert await roster_dump() == before and not await AuditEvent.filter(action="household_updated").exists()


def resident_form(token, **changes):
    form = {"_csrf": token, "name": "李建国", "gender": "M", "birth_year": "1944", "phone": "",
            "care_flags": ["age_80_plus"], "status": "active"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def test_saving_a_resident_is_audited_and_moved_residents_leave_the_leaders_page(world, people):
    clients, csrf = people
    li = world.residents["li"]
    url = f"/office/households/{world.households[0].id}/residents/{li.id}"
    form = resident_form(csrf["office"], phone="13800000000", care_flags=["age_80_plus", "lives_alone"], status="moved")
    asked = await clients["office"].post(url, data=form)
    assert asked.status_code == 200 and 'name="confirm_status" value="moved"' in asked.text  # asked first
    assert (await Resident.get(id=li.id)).status == ResidentStatus.ACTIVE
    response = await clients["office"].post(url, data={**form, "confirm_status": "moved"})
    assert response.status_code == 303 and response.headers["location"].endswith(f"saved=resident#resident-{li.id}")
    stored = await Resident.get(id=li.id)
    assert (stored.phone, stored.care_flags) == ("13800000000", ["age_80_plus", "lives_alone"])
    assert stored.status == ResidentStatus.MOVED
    audit = await AuditEvent.get(action="resident_updated")
    assert audit.detail["changes"]["status"] == {"from": "active", "to": "moved"}
    assert set(audit.detail["changes"]) == {"phone", "care_flags", "status"}
    leader_page = (await clients["leader01"].get(f"/households/{world.households[0].id}")).text
    assert "李建国" not in leader_page


BAD_RESIDENTS = [
    ("no name", {"name": ""}, "name", "请填写姓名。"),
    ("name too long", {"name": "名" * 51}, "name", "姓名最多 50 个字。"),
    ("no gender", {"gender": None}, "gender", "请选择性别。"),
    ("odd gender", {"gender": "X"}, "gender", "请选择性别。"),
    ("birth year in words", {"birth_year": "一九四四"}, "birth_year", "出生年份应为四位数"),
    ("birth year too early", {"birth_year": "1850"}, "birth_year", "出生年份应为四位数"),
    ("birth year next year", {"birth_year": str(datetime.now().year + 2)}, "birth_year", "出生年份应为四位数"),
    ("phone with letters", {"phone": "打电话"}, "phone", "电话只能有数字"),
    ("unknown care flag", {"care_flags": ["age_80_plus", "rich"]}, "care_flags", "请从列表中勾选关注情况。"),
    ("unknown status", {"status": "away"}, "status", "请选择居民的状态。"),
]


@pytest.mark.parametrize("what, changes, field, message", BAD_RESIDENTS, ids=[b[0] for b in BAD_RESIDENTS])
async def test_a_bad_resident_form_shows_the_error_and_changes_nothing(client, world, office, what, changes, field, message):
    li = world.residents["li"]
    before = await roster_dump()
    form = resident_form(office, **{"phone": "13912345678", **changes})
    response = await client.post(f"/office/households/{world.households[0].id}/residents/{li.id}", data=form)
    assert response.status_code == 400
    error = re.search(rf'<p class="field-error" id="error-{li.id}-{field}"><span class="shape shape-octagon" aria-hidden="true">!</span> (.*?)</p>', response.text)
    assert error and message in error.group(1)
    if field != "phone":
        assert 'value="13912345678"' in response.text  # the other typed values are kept
    assert await roster_dump() == before and not await AuditEvent.filter(action="resident_updated").exists()


async def test_a_resident_of_another_household_is_not_found_through_this_household(client, world, office):
    response = await client.post(
        f"/office/households/{world.households[0].id}/residents/{world.residents['zhang'].id}",
        data=resident_form(office, name="张桂英"),
    )
    assert response.status_code == 404
    assert (await Resident.get(id=world.residents["zhang"].id)).name == "张桂英"


async def test_the_visit_page_links_to_the_household_editor(client, world, office):
    from tests.office_factories import make_visit

    visit = await make_visit(world, 0)
    html = (await client.get(f"/office/visits/{visit.id}")).text
    assert f'href="/office/households/{world.households[0].id}"' in html
