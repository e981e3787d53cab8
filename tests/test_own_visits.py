"""What the leader's visit lists carry so the phone can correct or withdraw a visit offline, and
how a conflict (one visit changed on two phones) reads, to the leader and to the office."""

from __future__ import annotations

import json
import re
from html import unescape

from server.models import Visit
from server.ingest import apply_records
from tests.factories import api_login
from tests.test_leader_pages import log_visit, section, text_of


def visit_item(html: str, visit: Visit) -> str:
    return re.search(rf'<li class="visit-item[^"]*" id="visit-{visit.id}"[^>]*>.*?</li>', html, re.S).group(0)


def carried(item: str) -> dict | None:
    found = re.search(r"data-visit='([^']*)'", item)
    return json.loads(unescape(found.group(1))) if found else None


async def test_own_visits_carry_what_an_offline_update_needs(client, world):
    await api_login(client, "leader01")
    household = world.households[0]
    mine = await log_visit(world, household, [world.residents["li"]], days_ago=2, notes="血压正常", follow_up_needed=True)
    mine.version = 3
    await mine.save()
    withdrawn = await log_visit(world, household, [], days_ago=1, notes="写错了", withdrawn=True)
    theirs = await log_visit(world, household, [], days_ago=3, author="leader02", notes="代班走访")

    html = (await client.get(f"/households/{household.id}")).text
    item = visit_item(html, mine)
    assert 'data-version="3"' in item
    payload = carried(item)
    assert payload["id"] == str(mine.id) and payload["version"] == 3
    data = payload["data"]
    assert data["household_id"] == household.id and data["resident_ids"] == [world.residents["li"].id]
    assert data["notes"] == "血压正常" and data["follow_up_needed"] is True and data["withdrawn"] is False
    assert data["occurred_at"].endswith("+08:00")  # Shanghai time, as the form shows it
    assert payload["labels"] == {"household": household.address, "residents": ["李建国"]}
    assert f'href="/households/{household.id}#change={mine.id}"' in item and "data-withdraw-visit" in item
    # Someone else's visit and a withdrawn one: nothing to change, no buttons.
    for other in (withdrawn, theirs):
        assert carried(visit_item(html, other)) is None and "data-withdraw-visit" not in visit_item(html, other)


async def test_my_records_carry_the_same_and_list_the_phone_entries_on_the_first_page_only(client, world):
    await api_login(client, "leader01")
    visit = await log_visit(world, world.households[2], [], days_ago=1, notes="昨天")
    html = (await client.get("/visits/mine")).text
    assert '<ul class="visits my-visits" data-visit-list>' in html
    assert carried(visit_item(html, visit))["labels"]["household"] == world.households[2].address
    older = (await client.get("/visits/mine", params={"before": "20990101T000000.000000Z~" + str(visit.id)})).text
    assert "data-visit-list" not in older


async def test_a_conflict_reads_in_words_for_the_leader_and_the_office(client, world):
    household = world.households[0]
    visit = await log_visit(world, household, [], days_ago=1, notes="两部手机都改过", has_conflict=True)
    await api_login(client, "leader01")
    leader_view = text_of(visit_item((await client.get(f"/households/{household.id}")).text, visit))
    assert "修改冲突：这条记录在两部手机上改过" in leader_view
    await client.post("/api/auth/logout")
    await api_login(client, "office")
    office_html = (await client.get(f"/office/households/{household.id}")).text
    assert "修改冲突" in text_of(section(office_html, "h-visits"))


async def test_what_the_page_carries_withdraws_even_a_visit_older_than_a_year(client, world):
    """The page's copy of the time is exact: an update that leaves it alone is not checked as a
    new time (a visit over a year old could not be withdrawn otherwise)."""
    await api_login(client, "leader01")
    household = world.households[0]
    visit = await log_visit(world, household, [], days_ago=400.123456, notes="很久以前")
    payload = carried(visit_item((await client.get(f"/households/{household.id}")).text, visit))
    record = {
        "id": payload["id"], "type": "visit", "op": "update", "base_version": payload["version"],
        "client_time": payload["data"]["occurred_at"], "data": {**payload["data"], "withdrawn": True},
    }
    [result] = await apply_records([record], user=world.users["leader01"], device_id="phone-1")
    assert (result.status, result.version) == ("applied", 2)
    stored = await Visit.get(id=visit.id)
    assert stored.withdrawn and stored.occurred_at == visit.occurred_at
