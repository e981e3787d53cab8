"""The proposals page in a busy month: 50 a page, pending first, filters kept by every link and
decision, and "approve the selected" approving each ticked proposal on its own."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.models import AuditEvent, Resident, RosterChange, RosterChangeState
from tests.factories import api_login
from tests.office_factories import make_roster_change
from tests.page_text import text_of


def pending_ids(html: str) -> list[str]:
    return re.findall(r'<article class="panel roster-change" id="change-([0-9a-f-]+)"', html)


@pytest.fixture
async def office(client, world):
    return await api_login(client, "office")


async def many_pending(world, count: int, household_index: int = 0, start: datetime | None = None):
    """`count` pending phone-number proposals, the newest first."""
    start = start or datetime.now(timezone.utc)
    resident = world.residents["li"] if household_index == 0 else world.residents["chen"]
    return [
        await make_roster_change(world, household_index, resident=resident, proposed={"phone": f"139{n:08d}"},
                                 received_at=start - timedelta(minutes=n), author="leader01" if household_index < 3 else "leader02")
        for n in range(count)
    ]


async def decide(change, state="rejected", world=None, when=None):
    await RosterChange.filter(id=change.id).update(
        state=state, decided_at=when or datetime.now(timezone.utc), decision_reason="已核实",
        decided_by_id=world.users["office"].id,
    )


# --- approve the selected -------------------------------------------------------------------

async def test_approving_three_selected_approves_each_and_says_so(client, world, office):
    changes = await many_pending(world, 5)
    chosen = [str(c.id) for c in changes[:3]]
    response = await client.post("/office/roster/approve-selected", data={"_csrf": office, "change": chosen})
    assert response.status_code == 200
    assert "已采纳 3 条建议，名册已按建议修改。" in text_of(response.text)
    states = {str(c.id): c.state for c in await RosterChange.all()}
    assert [states[i] for i in chosen] == [RosterChangeState.APPROVED] * 3
    assert [states[str(c.id)] for c in changes[3:]] == [RosterChangeState.PENDING] * 2
    audits = await AuditEvent.filter(action="roster_approved").values_list("target_id", flat=True)
    assert sorted(audits) == sorted(chosen)
    assert pending_ids(response.text) == [str(c.id) for c in changes[3:]]  # what is left, still listed


async def test_one_already_decided_is_reported_and_the_others_are_approved(client, world, office):
    changes = await many_pending(world, 4)
    await decide(changes[1], "rejected", world)
    other = await make_roster_change(world, household=world.other_household, resident=world.residents["other"],
                                     author="leader_other", proposed={"phone": "13000000000"})
    chosen = [str(c.id) for c in changes[:3]] + [str(other.id), "not-a-uuid"]
    response = await client.post("/office/roster/approve-selected", data={"_csrf": office, "change": chosen})
    assert response.status_code == 200  # a report, not an error page
    report = text_of(response.text[response.text.index('id="outcome"'):response.text.index('class="filters"')])
    assert "已采纳 2 条建议" in report and "3 条没有采纳" in report
    assert "这条建议已经处理过了，请刷新页面后再看。" in report and report.count("找不到这条建议。") == 2
    assert "外区居民" not in response.text and "别处" not in response.text
    assert (await RosterChange.get(id=changes[1].id)).state == RosterChangeState.REJECTED  # untouched
    assert (await RosterChange.get(id=other.id)).state == RosterChangeState.PENDING
    assert (await Resident.get(id=world.residents["other"].id)).phone is None
    assert await AuditEvent.filter(action="roster_approved").count() == 2


async def test_approving_nothing_selected_is_a_clear_message(client, world, office):
    await many_pending(world, 2)
    response = await client.post("/office/roster/approve-selected", data={"_csrf": office})
    assert response.status_code == 400
    assert "请先勾选要采纳的建议。" in text_of(response.text)
    assert await RosterChange.filter(state=RosterChangeState.PENDING).count() == 2


# --- paging and filters ---------------------------------------------------------------------

async def test_fifty_a_page_pending_first_and_page_links_keep_the_filters(client, world, office):
    now = datetime.now(timezone.utc)
    ours = await many_pending(world, 70, 0, now)
    decided = await many_pending(world, 3, 0, now - timedelta(days=1))
    for n, change in enumerate(decided):
        await decide(change, "approved" if n else "rejected", world, now - timedelta(hours=n))
    elsewhere = await many_pending(world, 5, 3, now + timedelta(minutes=5))  # group 2, newest of all

    first = (await client.get("/office/roster")).text
    assert pending_ids(first) == [str(c.id) for c in elsewhere + ours[:45]]
    assert "共 78 条，第 1 / 2 页" in text_of(first) and "等待确认（75）" in text_of(first)
    assert 'href="/office/roster?page=2" rel="next"' in first

    group = str(world.groups[0].id)
    filtered = (await client.get("/office/roster", params={"group": group})).text
    assert pending_ids(filtered) == [str(c.id) for c in ours[:50]]
    assert f'href="/office/roster?group={group}&amp;page=2" rel="next"' in filtered
    second = (await client.get("/office/roster", params={"group": group, "page": "2"})).text
    assert pending_ids(second) == [str(c.id) for c in ours[50:]]
    decided_part = second[second.index('id="h-decided"'):]
    assert decided_part.index(f'id="change-{decided[0].id}"') < decided_part.index(f'id="change-{decided[2].id}"')
    assert f'href="/office/roster?group={group}" rel="prev"' in second
    # The decision forms carry the filters and page back.
    assert f'<input type="hidden" name="group" value="{group}"><input type="hidden" name="page" value="2">' in re.sub(r"\s*\n\s*", "", second)

    rejected = (await client.get("/office/roster", params={"state": "rejected"})).text
    assert pending_ids(rejected) == [] and f'id="change-{decided[0].id}"' in rejected
    assert f'id="change-{decided[1].id}"' not in rejected
    new_ones = (await client.get("/office/roster", params={"kind": "new_resident"})).text
    assert "共 0 条" in text_of(new_ones)


async def test_a_household_pages_link_shows_that_households_proposals(client, world, office):
    await many_pending(world, 60, 0)  # the rest of the committee's: not on this household's list
    chen = await many_pending(world, 2, 3)
    household = world.households[3]
    html = (await client.get(f"/office/households/{household.id}")).text
    assert f'href="/office/roster?household={household.id}#change-{chen[0].id}"' in html
    listed = (await client.get("/office/roster", params={"household": str(household.id)})).text
    assert pending_ids(listed) == [str(c.id) for c in chen] and household.address in text_of(listed)
    foreign = (await client.get("/office/roster", params={"household": str(world.other_household.id)})).text
    assert pending_ids(foreign) == [] and "没有这户。" in foreign and "别处" not in foreign
    assert len(pending_ids((await client.get("/office/roster", params={"household": "x"})).text)) == 50


async def test_approving_one_returns_to_the_same_filtered_page(client, world, office):
    changes = await many_pending(world, 60)
    group = str(world.groups[0].id)
    response = await client.post(f"/office/roster/{changes[55].id}/approve",
                                 data={"_csrf": office, "group": group, "page": "2"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/office/roster?group={group}&page=2&saved=approved"


async def test_select_all_ticks_every_pending_proposal_of_the_page(client, world, office):
    await many_pending(world, 55)
    plain = (await client.get("/office/roster")).text
    assert 'form="approve-selected" checked' not in plain
    assert 'href="/office/roster?select=page#h-pending"' in plain
    ticked = (await client.get("/office/roster", params={"select": "page"})).text
    assert ticked.count('form="approve-selected" checked') == 50


@pytest.mark.parametrize("params, field, message", [
    ({"state": "maybe"}, "state", "没有这种处理结果。"),
    ({"group": "999999"}, "group", "没有这个楼组。"),
    ({"kind": "born"}, "kind", "没有这种变化。"),
    ({"household": "1e3"}, "household", "没有这户。"),
])
async def test_a_bad_filter_is_reported_and_the_page_still_shows(client, world, office, params, field, message):
    changes = await many_pending(world, 2)
    response = await client.get("/office/roster", params={**params, "page": "abc"})
    assert response.status_code == 400
    assert re.search(rf'<p class="field-error" id="error-f-{field}"><span class="shape shape-octagon" aria-hidden="true">!</span> {message}</p>', response.text)
    assert pending_ids(response.text) == [str(c.id) for c in changes]


async def test_a_thousand_pending_proposals_make_a_small_page(client, world, office):
    # The page used to list every pending proposal (1.8 MB with 1,000); now one page of 50.
    now = datetime.now(timezone.utc)
    rows = [
        RosterChange(community_id=world.community.id, household_id=world.households[0].id,
                     resident_id=world.residents["li"].id, author_id=world.users["leader01"].id, kind="update",
                     proposed={"phone": f"139{n:08d}"}, received_at=now - timedelta(seconds=n), content_hash="x" * 64)
        for n in range(1000)
    ]
    for row in rows:
        row.id = uuid.uuid4()
    await RosterChange.bulk_create(rows, batch_size=250)
    response = await client.get("/office/roster", headers={"accept-encoding": "identity"})
    assert len(pending_ids(response.text)) == 50 and "等待确认（1000）" in text_of(response.text)
    assert len(response.content) < 200_000
