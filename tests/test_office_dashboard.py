"""The office dashboard: new first, urgent → concern → ok, newest first; filters, paging,
likely duplicates; and a visit's own page with its household and full history."""

from __future__ import annotations

import re
from datetime import timedelta

from server.models import VisitRevision
from server.office.filters import PAGE_SIZE
from tests.factories import api_login
from tests.office_factories import at, make_visit

VISIT_LINK = re.compile(r'<td><a href="/office/visits/([0-9a-f-]{36})">')


def listed(html: str) -> list[str]:
    return VISIT_LINK.findall(html)


async def test_new_first_then_urgent_concern_ok_then_newest(client, world):
    base = at("2026-11-20 10:00")
    old_ok = await make_visit(world, when=base, status="ok")
    new_ok = await make_visit(world, when=base + timedelta(hours=5), status="ok")
    old_concern = await make_visit(world, when=base + timedelta(hours=1), status="concern")
    urgent = await make_visit(world, when=base - timedelta(days=3), status="urgent")
    seen_urgent = await make_visit(world, when=base + timedelta(hours=9), status="urgent", review_state="acknowledged")
    await api_login(client, "office")
    ids = listed((await client.get("/office")).text)
    assert ids == [str(v.id) for v in (urgent, old_concern, new_ok, old_ok, seen_urgent)]


async def test_filters_and_shanghai_dates(client, world):
    late_evening = await make_visit(world, when=at("2026-11-25 23:30"), kind="elderly_check", status="concern")
    next_morning = await make_visit(world, when=at("2026-11-26 00:10"), kind="elderly_check")
    other_group = await make_visit(world, household_index=3, when=at("2026-11-25 09:00"), kind="safety")
    resolved = await make_visit(world, when=at("2026-11-24 09:00"), review_state="resolved")
    await api_login(client, "office")

    async def ids(query):
        response = await client.get(f"/office?{query}")
        assert response.status_code == 200
        return set(listed(response.text))

    assert await ids("date_from=2026-11-25&date_to=2026-11-25") == {str(late_evening.id), str(other_group.id)}
    assert await ids("date_from=2026-11-26") == {str(next_morning.id)}
    assert await ids(f"group={world.groups[1].id}") == {str(other_group.id)}
    assert await ids(f"leader={world.users['leader01'].id}&kind=elderly_check") == {str(late_evening.id), str(next_morning.id)}
    assert await ids("status=concern") == {str(late_evening.id)}
    assert await ids("review=resolved") == {str(resolved.id)}


async def test_bad_filters_are_shown_next_to_the_field(client, world):
    await make_visit(world)
    await api_login(client, "office")
    response = await client.get("/office?kind=gossip&date_from=26/11/2026&group=99999&date_to=2026-11-01")
    assert response.status_code == 200
    html = response.text
    assert 'id="error-kind"' in html and "没有这种走访类型。" in html
    assert 'id="error-date_from"' in html and "日期格式应为 年-月-日" in html
    assert 'id="error-group"' in html and "没有这个楼组。" in html
    assert 'aria-describedby="error-kind"' in html


async def test_paging(client, world):
    base = at("2026-11-01 08:00")
    for i in range(PAGE_SIZE + 3):
        await make_visit(world, household_index=i % 6, when=base + timedelta(hours=i), kind="routine" if i % 2 else "safety")
    await api_login(client, "office")
    first = await client.get("/office")
    second = await client.get("/office?page=2")
    assert len(listed(first.text)) == PAGE_SIZE
    assert first.headers["cache-control"] == "no-store"  # names and notes stay out of the browser cache
    assert len(listed(second.text)) == 3
    assert not set(listed(first.text)) & set(listed(second.text))
    assert "第 2 / 2 页" in second.text and "共 53 条" in second.text
    assert 'href="/office?page=2"' in first.text
    assert len(listed((await client.get("/office?page=99")).text)) == 3  # past the end: the last page


async def test_likely_duplicates_are_flagged_and_kept(client, world):
    first = await make_visit(world, when=at("2026-11-20 10:00"), kind="elderly_check", author="leader01")
    twin = await make_visit(world, when=at("2026-11-20 11:40"), kind="elderly_check", author="leader01")
    later = await make_visit(world, when=at("2026-11-20 14:00"), kind="elderly_check")
    other_kind = await make_visit(world, when=at("2026-11-20 10:30"), kind="safety")
    elsewhere = await make_visit(world, household_index=1, when=at("2026-11-20 10:05"), kind="elderly_check")
    await api_login(client, "office")
    html = (await client.get("/office")).text
    rows = {vid: row for vid, row in re.findall(r'/office/visits/([0-9a-f-]{36})">(.*?)</tr>', html, re.S)}
    assert len(rows) == 5  # both entries are kept
    flagged = {vid for vid, row in rows.items() if "疑似重复" in row}
    assert flagged == {str(first.id), str(twin.id)}
    assert str(later.id) not in flagged and str(other_kind.id) not in flagged and str(elsewhere.id) not in flagged
    page = (await client.get(f"/office/visits/{first.id}")).text
    assert f"/office/visits/{twin.id}" in page and "疑似重复" in page


async def test_visit_page_shows_household_residents_earlier_visits_and_history(client, world):
    zhang = world.residents["zhang"]
    earlier = await make_visit(world, household_index=2, when=at("2026-11-01 10:00"), notes="上次血压偏高")
    visit = await make_visit(world, household_index=2, when=at("2026-11-20 10:00"), status="concern",
                             residents=[zhang], notes="精神不太好")
    await VisitRevision.create(
        visit=visit, op="update", base_version=1, version=1, outcome="conflict", content_hash="c" * 64,
        data={"status": "urgent", "notes": "另一部手机写的：摔倒了"}, author=world.users["leader01"],
        received_at=at("2026-11-20 12:00"),
    )
    visit.has_conflict = True
    await visit.save()
    token = await api_login(client, "office")
    await client.post(f"/office/visits/{visit.id}/review", data={"_csrf": token, "to_state": "acknowledged", "comment": "已阅，明天电话"})
    html = (await client.get(f"/office/visits/{visit.id}")).text
    assert "天山路680弄16号503室" in html and "按门铃两次" in html  # household and its visitor notes
    assert "张桂英" in html and "独居" in html  # residents and care flags
    assert f"/office/visits/{earlier.id}" in html and "上次血压偏高" in html  # earlier visits
    assert "另一部手机写的：摔倒了" in html and "修改冲突" in html  # the conflicting version is kept and shown
    assert "已阅，明天电话" in html and "楼组长提交" in html
    history = html[html.index("记录经过"):]
    assert history.index("楼组长提交") < history.index("另一部手机写的") < history.index("已阅，明天电话")


async def test_other_community_sees_none_of_ours(client, world):
    ours = await make_visit(world, notes="我们的记录")
    theirs = await make_visit(world, household=world.other_household, author="leader_other", notes="别处的记录")
    await api_login(client, "office_other")
    html = (await client.get("/office")).text
    assert listed(html) == [str(theirs.id)]
    assert str(ours.id) not in html and "天山路680弄" not in html
    assert (await client.get(f"/office/visits/{ours.id}")).status_code == 404
    # Our groups and leaders are not even offered as filters, nor accepted.
    response = await client.get(f"/office?group={world.groups[0].id}")
    assert "没有这个楼组。" in response.text and "王秀英" not in response.text


async def test_staff_home_links_to_the_office_screens(client, world):
    await api_login(client, "office")
    html = (await client.get("/")).text
    for href in ("/office", "/office/follow-ups", "/office/checks", "/office/monthly", "/admin/audit"):
        assert f'href="{href}"' in html
    assert 'href="/admin/users"' not in html  # accounts are the admin's
    await api_login(client, "admin")
    assert 'href="/admin/users"' in (await client.get("/")).text

