"""The leader saving a visit without JavaScript (the same write path as the phone's outbox), and
the list of their own records (helpers and the logged-in `leader` fixture: test_leader_pages)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

import pytest

from server.models import Visit, VisitKind, VisitResident, VisitStatus
from tests.page_text import text_of
from tests.test_leader_pages import SHANGHAI, good_form, leader, log_visit, now, section, shanghai_input  # noqa: F401  (leader: fixture)


# --- saving a visit -------------------------------------------------------------------------

async def test_saving_a_visit(client, world, leader):
    household = world.households[0]
    occurred = shanghai_input(now() - timedelta(hours=1))
    due = (now() + timedelta(days=7)).astimezone(SHANGHAI).date().isoformat()
    response = await client.post(
        f"/households/{household.id}/visits",
        data=good_form(world, leader, occurred_at=occurred, follow_up_needed="1", follow_up_due=due,
                       resident_ids=[str(world.residents["li"].id), str(world.residents["wang"].id)]),
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/households/{household.id}?saved=")

    visit = await Visit.get()
    assert location.endswith(str(visit.id))
    assert visit.household_id == household.id and visit.author_id == world.users["leader01"].id
    assert visit.kind == VisitKind.ELDERLY_CHECK and visit.status == VisitStatus.CONCERN
    assert visit.notes == "腿脚不便，需要助餐"
    assert visit.follow_up_needed and visit.follow_up_due.isoformat() == due
    assert sorted(visit.resident_ids) == sorted([world.residents["li"].id, world.residents["wang"].id])
    # The datetime-local value is Shanghai wall-clock time.
    assert shanghai_input(visit.occurred_at) == occurred
    assert await VisitResident.filter(visit_id=visit.id).count() == 2

    page = await client.get(location)
    assert page.status_code == 200
    message = re.search(r'<p class="success" role="status" id="saved-message">.*?</p>', page.text, re.S).group(0)
    assert "已保存 走访记录" in message and occurred.replace("T", " ") in message
    visits = text_of(section(page.text, "visits-heading"))
    assert "腿脚不便，需要助餐" in visits and "需要关注" in visits and "老人看望" in visits
    residents = text_of(section(page.text, "residents-heading", "visit-form-heading"))
    assert "今天看望过" in residents or "1 天前看望过" in residents  # an hour ago, Shanghai date
    # The form is fresh again, not the last entry.
    assert "腿脚不便" not in section(page.text, "visit-form-heading", "visits-heading")


async def test_an_id_from_the_phone_is_kept_and_a_resend_is_no_duplicate(client, world, leader):
    household = world.households[0]
    record_id = str(uuid.uuid4())
    form = good_form(world, leader, id=record_id)
    first = await client.post(f"/households/{household.id}/visits", data=form)
    second = await client.post(f"/households/{household.id}/visits", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"] == f"/households/{household.id}?saved={record_id}"
    assert await Visit.all().count() == 1
    assert str((await Visit.get()).id) == record_id


async def test_a_minimal_visit_without_residents_or_notes(client, world, leader):
    household = world.households[1]
    response = await client.post(
        f"/households/{household.id}/visits",
        data={"_csrf": leader, "kind": "routine", "status": "ok", "occurred_at": shanghai_input(now())},
    )
    assert response.status_code == 303
    visit = await Visit.get()
    assert visit.resident_ids == [] and visit.notes == "" and not visit.follow_up_needed


async def test_saved_message_only_for_a_visit_of_this_household(client, world, leader):
    visit = await log_visit(world, world.households[1], [])
    html = (await client.get(f"/households/{world.households[0].id}?saved={visit.id}")).text
    assert "saved-message" not in html
    html = (await client.get(f"/households/{world.households[0].id}?saved=not-a-uuid")).text
    assert "saved-message" not in html


BAD_INPUTS = [
    # (what, form changes, status, field, message shown)
    ("missing status", {"status": None}, 422, "status", "请选择情况：一切安好、需要关注或紧急"),
    ("bad kind", {"kind": "gossip"}, 422, "kind", "走访类型"),
    ("missing kind", {"kind": None}, 422, "kind", "走访类型"),
    ("bad status", {"status": "fine"}, 422, "status", "情况"),
    ("notes too long", {"notes": "很" * 2001}, 422, "notes", "备注最多 2000 个字"),
    ("follow-up without date", {"follow_up_needed": "1"}, 422, "follow_up_due", "跟进日期"),
    ("date without follow-up", {"follow_up_due": "2026-12-01"}, 422, "follow_up_due", "跟进日期"),
    ("bad visit time", {"occurred_at": "昨天下午"}, 400, "occurred_at", "走访时间的格式不对"),
    ("empty visit time", {"occurred_at": ""}, 422, "occurred_at", "请填写走访的日期和时间"),
    ("visit time far in the future", {"occurred_at": "2099-01-01T09:00"}, 422, "occurred_at", "走访时间比现在晚了一天以上"),
    ("bad follow-up date", {"follow_up_needed": "1", "follow_up_due": "2026-13-45"}, 400, "follow_up_due", "跟进期限的日期格式不对"),
    ("resident id not a number", {"resident_ids": ["abc"]}, 400, "resident_ids", "请从列表中勾选这户的居民"),
]


@pytest.mark.parametrize("what,changes,status,field,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_stored(
    client, world, leader, what, changes, status, field, message
):
    household = world.households[0]
    form = good_form(world, leader, **changes)
    response = await client.post(f"/households/{household.id}/visits", data=form)

    assert response.status_code == status, response.text
    html = response.text
    assert await Visit.all().count() == 0 and await VisitResident.all().count() == 0
    # The error next to its field, announced, and the field marked.
    error = re.search(rf'<p class="field-error" id="error-{field}">(.*?)</p>', html, re.S)
    assert error and message in text_of(error.group(1)), html
    assert f'aria-describedby="error-{field}' in html and 'aria-invalid="true"' in html
    assert 'role="alert"' in html and "没有保存" in html
    # Everything typed is still there.
    if form.get("notes"):
        assert f">{form['notes']}</textarea>" in html
    if form.get("status") in ("ok", "concern", "urgent"):
        assert f'name="status" value="{form["status"]}" checked' in html
    if form.get("kind") in ("routine", "elderly_check"):
        assert f'name="kind" value="{form["kind"]}" checked' in html
    if form.get("occurred_at"):
        assert f'name="occurred_at" value="{form["occurred_at"]}"' in html
    for resident_id in form.get("resident_ids", []):
        if resident_id.isdigit():
            assert f'name="resident_ids" value="{resident_id}" checked' in html
    if form.get("follow_up_needed"):
        assert 'name="follow_up_needed" value="1" checked' in html


async def test_a_resident_of_another_household_is_refused(client, world, leader):
    form = good_form(world, leader, resident_ids=[str(world.residents["zhang"].id)])  # lives in 503
    response = await client.post(f"/households/{world.households[0].id}/visits", data=form)
    assert response.status_code == 422
    assert 'id="error-resident_ids"' in response.text and "不是这一户的在册居民" in response.text
    assert await Visit.all().count() == 0


async def test_a_resident_of_another_community_is_refused(client, world, leader):
    form = good_form(world, leader, resident_ids=[str(world.residents["other"].id)])
    response = await client.post(f"/households/{world.households[0].id}/visits", data=form)
    assert response.status_code == 422
    assert await Visit.all().count() == 0


async def test_missing_csrf_token_is_refused(client, world, leader):
    form = good_form(world, leader)
    del form["_csrf"]
    response = await client.post(f"/households/{world.households[0].id}/visits", data=form)
    assert response.status_code == 403
    assert "页面已过期" in response.text
    wrong = await client.post(f"/households/{world.households[0].id}/visits", data=good_form(world, "wrong-token"))
    assert wrong.status_code == 403
    assert await Visit.all().count() == 0


# --- my records -----------------------------------------------------------------------------

async def test_my_records_newest_first_with_words_and_links(client, world, leader):
    await log_visit(world, world.households[0], [], days_ago=3, notes="三天前", status=VisitStatus.URGENT)
    await log_visit(world, world.households[2], [], days_ago=1, notes="昨天", kind=VisitKind.SAFETY)
    await log_visit(world, world.households[1], [], days_ago=2, notes="撤回的", withdrawn=True)
    await log_visit(world, world.households[0], [], days_ago=0.5, notes="别人的", author="leader02")

    response = await client.get("/visits/mine")
    assert response.status_code == 200
    html = response.text
    assert html.index("昨天") < html.index("撤回的") < html.index("三天前")
    assert "别人的" not in html
    page = text_of(html)
    assert "紧急" in page and "安全检查" in page and "已撤回" in page
    assert f'href="/households/{world.households[2].id}"' in html
    assert "看更早的记录" not in html


async def test_my_records_are_paged(client, world, leader):
    for i in range(53):
        await log_visit(world, world.households[0], [], days_ago=i * 0.1, notes=f"记录{i:02d}")
    first = await client.get("/visits/mine")
    assert first.text.count('class="visit-item') == 50
    assert "记录00" in first.text and "记录49" in first.text and "记录50" not in first.text
    link = re.search(r'href="(/visits/mine\?before=[^"]+)"', first.text).group(1)
    second = await client.get(unescape(link))
    assert second.status_code == 200
    assert second.text.count('class="visit-item') == 3
    assert "记录50" in second.text and "记录52" in second.text and "记录49" not in second.text
    assert "看更早的记录" not in second.text


async def test_my_records_with_a_broken_cursor_start_at_the_newest(client, world, leader):
    await log_visit(world, world.households[0], [], notes="最新的")
    response = await client.get("/visits/mine", params={"before": "garbage"})
    assert response.status_code == 200 and "最新的" in response.text
