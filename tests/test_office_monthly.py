"""The monthly meeting pack and the check coverage: every figure equals a count made here,
independently, from the rows the test created."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from server.core.dates import Month, today_shanghai
from server.models import AuditEvent, Community, Role, VisitReviewEvent
from server.monthly_pack.closing import read_lists
from server.office import review
from server.office.coverage import coverage, kept_within_interval
from server.office.monthly import load_pack
from tests.factories import api_login, make_user
from tests.office_factories import SH, make_device, make_visit

KIND_WORDS = {"routine": "日常走访", "elderly_check": "老人看望", "mediation": "矛盾调解", "safety": "安全检查",
              "assistance": "帮困求助", "other": "其他"}
STATUS_WORDS = {"urgent": "紧急", "concern": "需要关注", "ok": "一切安好"}


def at_day(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@pytest.fixture
async def month_world(world):
    """Last month's visits, plus rows that must not be counted; returns what to expect."""
    month = Month(today_shanghai().year, today_shanghai().month).previous()
    first, last = month.first, month.last
    day = lambda n: first + timedelta(days=n - 1)  # noqa: E731
    r = world.residents
    counted = []  # (kind, status, group id) of every visit that belongs in the month's figures

    async def visit(household_index, when, kind="routine", status="ok", residents=(), count=True, **kw):
        v = await make_visit(world, household_index, when, kind=kind, status=status, residents=residents, **kw)
        if count:
            counted.append((kind, status, world.households[household_index].building_group_id))
        return v

    # Elderly checks (these drive the coverage figures too).
    await visit(2, at_day(first - timedelta(days=3)), "elderly_check", residents=[r["zhang"]], count=False)
    for n in (4, 11, 18, 25):
        await visit(2, at_day(day(n)), "elderly_check", residents=[r["zhang"]])
    await visit(2, at_day(last - timedelta(days=1)), "elderly_check", residents=[r["zhang"]])
    await visit(0, at_day(first - timedelta(days=20)), "elderly_check", residents=[r["wang"]], count=False)
    await visit(0, at_day(day(15)), "elderly_check", "concern", residents=[r["wang"]])
    await visit(3, at_day(first - timedelta(days=2)), "elderly_check", residents=[r["chen"]], count=False)
    await visit(3, at_day(day(10)), "elderly_check", residents=[r["chen"]])
    await visit(3, at_day(day(22)), "elderly_check", residents=[r["chen"]])
    # A withdrawn entry is not a check and not a visit.
    await visit(0, at_day(day(5)), "elderly_check", residents=[r["li"]], withdrawn=True, count=False)
    # Other kinds, statuses and both groups; the month's very first and very last minute.
    await visit(1, at_day(first, 0, 0), "routine")
    # Its last minute: the phone synced five minutes later, after the month's end, so it is a
    # late entry of the closed month (counted beside the figures, not in them).
    late = await visit(1, at_day(last, 23, 59), "routine", count=False)
    await visit(4, at_day(day(8)), "mediation", "concern")
    resolved = await visit(5, at_day(day(9)), "safety", "urgent")
    open_urgent = await visit(0, at_day(day(12)), "assistance", "urgent", follow_up_needed=True)
    await visit(1, at_day(day(20)), "other")
    # Outside the month or the community: never counted.
    await visit(1, at_day(first - timedelta(days=1), 23, 59), "routine", count=False)
    await visit(1, at_day(last + timedelta(days=1), 0, 0), "routine", count=False)
    await make_visit(world, household=world.other_household, author="leader_other", when=at_day(day(9)))
    await review.change_state(None, resolved, world.users["office"], "resolved", "已清理楼道")
    # Resolved within the month: the closed pack speaks for the month's end.
    await VisitReviewEvent.filter(visit_id=resolved.id).update(at=at_day(day(10)))

    now = datetime.now(timezone.utc)
    await make_device(world.users["leader01"], last_sync_at=now - timedelta(days=1))
    await make_device(world.users["leader02"], last_sync_at=now - timedelta(days=5))
    await make_device(world.users["leader02"], label="旧手机", last_sync_at=None)
    await make_user("leader03", Role.LEADER, world.community, [world.groups[1]], display_name="从没同步")
    await make_user("leader04", Role.LEADER, world.community, [world.groups[1]], display_name="已停用", active=False)
    return {"month": month, "counted": counted, "resolved": resolved, "open_urgent": open_urgent, "late": late}


async def test_monthly_figures_equal_independent_counts(world, month_world):
    counted = month_world["counted"]
    community = await Community.get(id=world.community.id)
    pack = await load_pack(community, month_world["month"])  # the month is over: closed now
    p = pack.figures
    kinds = Counter(k for k, _, _ in counted)
    statuses = Counter(s for _, s, _ in counted)
    groups = Counter(g for _, _, g in counted)
    assert p["total"] == len(counted) == 13
    assert pack.after.late == 1 and pack.after.removed == 0
    assert p["by_kind"] == [[KIND_WORDS[k], kinds.get(k, 0)] for k in KIND_WORDS]
    assert p["by_status"] == [[STATUS_WORDS[s], statuses.get(s, 0)] for s in STATUS_WORDS]
    assert [(g["name"], g["visits"]) for g in p["groups"]] == [(g.name, groups.get(g.id, 0)) for g in world.groups]

    urgent = {case["id"]: case for case in p["urgent"]}
    assert set(urgent) == {str(month_world["resolved"].id), str(month_world["open_urgent"].id)}
    assert urgent[str(month_world["resolved"].id)]["resolved_at"] is not None
    assert urgent[str(month_world["resolved"].id)]["comment"] == "已清理楼道"
    assert urgent[str(month_world["open_urgent"].id)]["resolved_at"] is None
    assert [d["kind"] for d in p["disputes"]] == ["mediation"]
    lists = await read_lists(community.id, month_world["month"])
    assert [r["id"] for r in lists["follow_ups"]] == [str(month_world["open_urgent"].id)]
    assert p["follow_ups"]["open"] == 1
    assert [q["username"] for q in p["quiet_leaders"]] == ["leader03", "leader02"]  # never synced first
    assert p["quiet_leaders"][0]["last_sync_at"] is None

    # Checks at the month's end: li (14) was never checked (the withdrawn entry does not count);
    # zhang, chen and wang were seen within their interval. On time = not overdue on that day.
    c = p["checks"]
    assert (c["flagged"], c["overdue"], c["due"]) == (4, 1, 0)
    g1, g2 = p["groups"]
    assert (g1["flagged"], g1["overdue"], g1["on_time"]) == (3, 1, "67%")
    assert (g2["flagged"], g2["overdue"], g2["on_time"]) == (1, 0, "100%")
    assert [r["name"] for r in lists["needing"] if r["state"] == "overdue"] == ["李建国"]
    assert c["on_time"] == "75%"


async def test_monthly_page_shows_the_same_figures(client, world, month_world):
    counted = month_world["counted"]
    await api_login(client, "office")
    response = await client.get(f"/office/monthly?month={month_world['month'].key}")
    assert response.status_code == 200
    html = response.text
    assert re.search(rf'id="fig-total">{len(counted)}<', html)
    assert re.search(r'id="fig-urgent">2<', html) and re.search(r'id="fig-quiet">2<', html)
    kinds = Counter(k for k, _, _ in counted)
    kind_desc = re.search(r'<desc id="chart-kind-desc">(.*?)</desc>', html).group(1)
    assert kind_desc == "；".join(f"{KIND_WORDS[k]}：{kinds.get(k, 0)}" for k in KIND_WORDS)
    groups = Counter(g for _, _, g in counted)
    table = html.split('id="group-table"')[1].split("</table>")[0]
    for group in world.groups:  # every group with its visits, as text
        assert re.search(rf"{group.name}</th><td>[^<]*</td>\s*<td class=\"num\">{groups[group.id]}</td>", table)
    assert "已清理楼道" in html and "从没同步" in html and "从未同步" in html
    assert "天山路测试居委" in html and "<script" not in html.split("</main>")[0].split("<main")[1]
    assert 'id="closed-note"' in html and 'href="/office/monthly/late?month=' in html


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "1999-12"])
async def test_bad_month_is_a_clear_error(client, world, month):
    await api_login(client, "office")
    response = await client.get(f"/office/monthly?month={month}")
    assert response.status_code == 400
    assert "月份格式应为 年-月，例如 2026-11，且不能晚于本月。" in response.text


async def test_future_month_is_refused(client, world):
    await api_login(client, "office")
    future = Month(today_shanghai().year, today_shanghai().month).following()
    response = await client.get(f"/office/monthly?month={future.key}")
    assert response.status_code == 400


async def test_coverage_page_for_this_month(client, world):
    today = today_shanghai()
    await make_visit(world, 2, at_day(today, 0, 5), kind="elderly_check", residents=[world.residents["zhang"]])
    await api_login(client, "office")
    html = (await client.get("/office/checks")).text
    assert "天山路680弄16号" in html and "李建国" in html and "陈阿婆" in html
    assert "张桂英" not in html.split("需要看望的居民")[1].split("看望周期")[0]  # checked today: not listed


@pytest.mark.parametrize(
    "interval, prior, seen, expected",
    [
        (7, -3, [4, 11, 18, 25, 30], True),  # weekly all month
        (7, -3, [4, 11, 20, 27], False),  # 11 -> 20: on day 19 the last visit was 8 days ago
        (7, -3, [4, 11, 19, 26], True),  # 11 -> 19: on day 18 it was 7 days ago, not yet overdue
        (7, -3, [4, 11, 18, 23], False),  # 23 -> as of the 31st: 8 days, overdue at the end
        (14, None, [], False),  # never seen
        (14, None, [1, 14, 28], True),  # first seen on the first of the month
        (14, None, [2], False),  # overdue on the 1st
        (30, -20, [15], False),  # 31 days without a visit on day 11..14
        (30, -20, [10], True),
        (14, -30, [1, 15, 29], True),  # the lapse was last month, not this one
    ],
)
def test_kept_within_interval(interval, prior, seen, expected):
    first = date(2026, 10, 1)
    as_of = date(2026, 10, 31)
    prior_day = first + timedelta(days=prior) if prior is not None else None
    days = [first + timedelta(days=n - 1) for n in seen]
    assert kept_within_interval(interval, prior_day, days, first, as_of) is expected


async def test_check_rules_are_validated_and_audited(client, world):
    token = await api_login(client, "office")
    rules = (await Community.get(id=world.community.id)).rules()
    bad = {f"rule:{k}": str(v) for k, v in rules.items()}
    bad["rule:age_80_plus"] = "0"
    bad["rule:watch"] = "一个月"
    response = await client.post("/office/checks/rules", data={"_csrf": token, **bad})
    assert response.status_code == 400
    assert "天数必须在 1 到 365 之间。" in response.text and "请填写天数（1 到 365 之间的整数）。" in response.text
    assert 'value="一个月"' in response.text  # what was typed is shown again
    assert (await Community.get(id=world.community.id)).check_rules == {}
    assert not await AuditEvent.filter(action="check_rules_update").exists()

    good = {f"rule:{k}": str(v) for k, v in rules.items()}
    good["rule:age_80_plus"] = "10"
    response = await client.post("/office/checks/rules", data={"_csrf": token, **good})
    assert response.status_code == 303
    assert (await Community.get(id=world.community.id)).rules()["age_80_plus"] == 10
    audit = await AuditEvent.get(action="check_rules_update")
    assert audit.detail["before"]["age_80_plus"] == 14 and audit.detail["after"]["age_80_plus"] == 10
    # The new interval is what coverage uses.
    today = today_shanghai()
    cov = await coverage(await Community.get(id=world.community.id), Month(today.year, today.month), today)
    li = next(row for g in cov.groups for row in g.needing_visit if row.resident.name == "李建国")
    assert li.status.interval_days == 10
    # 366 days refused for the other community's office on its own community too; ours unchanged.
    other_token = await api_login(client, "office_other")
    response = await client.post("/office/checks/rules", data={"_csrf": other_token, **{k: "366" for k in good}})
    assert response.status_code == 400
    assert (await Community.get(id=world.community.id)).rules()["age_80_plus"] == 10
