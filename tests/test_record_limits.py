"""Limits on what one pushed record may hold: each refused record is answered alone, the rest of
the batch applies (sync/validate.py, with their phone-side rules in sync/form_rules.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from server.models import Visit, VisitReviewEvent
from sync.records import MAX_RESIDENTS_SEEN, Rejected
from sync.validate import parse_record
from tests.factories import api_login
from tests.office_factories import make_visit
from tests.test_sync_api import PUSH, csrf, envelope, visit_record

SH = timezone(timedelta(hours=8))


@pytest.fixture
async def leader(client, world):
    return await api_login(client, "leader01")


async def test_a_record_with_tens_of_thousands_of_residents_is_refused_alone(client, world, leader):
    # Before: 32,767 ids or more made PostgreSQL refuse the query, and the whole batch was a 500
    # at every retry: the records after it never arrived.
    household = world.households[0]
    poison = visit_record(household, resident_ids=list(range(1, 40_001)))
    after = visit_record(household, resident_ids=[world.residents["li"].id])
    response = await client.post(PUSH, json=envelope(poison, after), headers=csrf(leader))
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and first["error"]["code"] == "too_many_residents"
    assert first["error"]["field"] == "resident_ids" and f"最多勾选 {MAX_RESIDENTS_SEEN} 位" in first["error"]["message"]
    assert second["status"] == "applied"
    assert await Visit.all().count() == 1


def _parsed(**data):
    record = visit_record(type("H", (), {"id": 1})(), **data)
    return parse_record(record, zone=SH)


def test_the_cap_on_residents_is_counted_as_sent():
    assert len(_parsed(resident_ids=list(range(1, MAX_RESIDENTS_SEEN + 1))).data.resident_ids) == MAX_RESIDENTS_SEEN
    with pytest.raises(Rejected) as refused:
        _parsed(resident_ids=[1] * (MAX_RESIDENTS_SEEN + 1))
    assert refused.value.error.code == "too_many_residents"


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x9f"])
async def test_a_control_character_in_a_records_text_is_refused_naming_the_field(client, world, leader, character):
    bad = visit_record(world.households[0], notes=f"血压{character}正常")
    good = visit_record(world.households[0])
    results = (await client.post(PUSH, json=envelope(bad, good), headers=csrf(leader))).json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["error"]["field"] == "notes"
    assert results[0]["error"]["code"] == "invalid_field" and "控制字符" in results[0]["error"]["message"]
    assert results[1]["status"] == "applied"


def test_tabs_and_line_breaks_are_text():
    assert _parsed(notes="第一行\r\n\t第二行").data.notes == "第一行\n\t第二行"


def _follow_up(visit_day: date, due: str) -> dict:
    occurred = datetime.combine(visit_day, datetime.min.time(), tzinfo=SH).replace(hour=9)
    return {"occurred_at": occurred.isoformat(), "follow_up_needed": True, "follow_up_due": due}


@pytest.mark.parametrize(("due", "why"), [
    ("0001-01-01", "不能早于走访的日期"),
    ("9999-12-31", "应在走访后两年以内"),
    ("day before", "不能早于走访的日期"),
    ("731 days after", "应在走访后两年以内"),
])
async def test_a_follow_up_date_out_of_range_is_refused_alone(client, world, leader, due, why):
    # Before: year 1 was stored, and topped the office's overdue list for ever.
    today = datetime.now(SH).date()
    due = {"day before": today - timedelta(days=1), "731 days after": today + timedelta(days=731)}.get(due, due)
    bad = visit_record(world.households[0], **_follow_up(today, str(due)))
    good = visit_record(world.households[0])
    results = (await client.post(PUSH, json=envelope(bad, good), headers=csrf(leader))).json()["results"]
    assert results[0]["status"] == "rejected", results[0]
    assert results[0]["error"]["code"] == "date_out_of_range" and results[0]["error"]["field"] == "follow_up_due"
    assert why in results[0]["error"]["message"]
    assert results[1]["status"] == "applied"
    assert await Visit.filter(follow_up_due__isnull=False).count() == 0


@pytest.mark.parametrize("days", [0, 730])
def test_a_follow_up_from_the_visits_day_to_two_years_after_is_kept(days):
    visit_day = date(2026, 11, 30)
    due = visit_day + timedelta(days=days)
    assert _parsed(**_follow_up(visit_day, due.isoformat())).data.follow_up_due == due


async def test_the_leaders_form_refuses_a_follow_up_in_year_one_beside_the_field(client, world, leader):
    household = world.households[0]
    occurred = datetime.now(SH) - timedelta(hours=1)
    response = await client.post(f"/households/{household.id}/visits", data={
        "_csrf": leader, "id": "", "kind": "routine", "status": "concern", "notes": "",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "follow_up_needed": "1", "follow_up_due": "0001-01-01",
    })
    assert response.status_code == 422
    assert "“跟进日期”不能早于走访的日期。" in response.text
    assert await Visit.all().count() == 0


@pytest.mark.parametrize(("due", "why"), [
    ("0001-01-01", "日期应在 2000 年到 2100 年之间"),
    ("9999-12-31", "日期应在 2000 年到 2100 年之间"),
    (-800, "跟进期限应在一年前到两年后之间"),
    (1000, "跟进期限应在一年前到两年后之间"),
])
async def test_the_offices_follow_up_date_out_of_range_is_refused(client, world, due, why):
    if isinstance(due, int):
        due = (datetime.now(SH).date() + timedelta(days=due)).isoformat()
    token = await api_login(client, "office")
    visit = await make_visit(world, follow_up_needed=True)
    response = await client.post(
        f"/office/visits/{visit.id}/follow-up", data={"_csrf": token, "assignee": "", "office_due": due},
    )
    assert response.status_code == 400
    assert why in response.text
    assert (await Visit.get(id=visit.id)).follow_up_office_due is None
    assert await VisitReviewEvent.filter(visit_id=visit.id).count() == 0


async def test_the_offices_follow_up_date_within_range_is_kept(client, world):
    token = await api_login(client, "office")
    visit = await make_visit(world, follow_up_needed=True)
    due = (datetime.now(SH).date() + timedelta(days=30)).isoformat()
    response = await client.post(
        f"/office/visits/{visit.id}/follow-up", data={"_csrf": token, "assignee": "", "office_due": due},
    )
    assert response.status_code == 303
    assert str((await Visit.get(id=visit.id)).follow_up_office_due) == due
