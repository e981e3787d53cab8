"""Closed months (a pack reads the same a year later), the late-entry note, closing twice or
from two processes at once, and the meeting pack as an A4 PDF of at most eight pages."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.core.dates import Month, today_shanghai
from server.models import AuditEvent, ClosedMonth, Community, Resident, Visit
from server.monthly_pack import closing
from server.monthly_pack.figures import compute
from server.office import review, roster
from server.office.monthly import load_pack
from tests.factories import api_login
from tests.office_factories import make_roster_change, make_visit
from tests.test_office_monthly import at_day, month_world  # noqa: F401  (the fixture)


def _same(figures: dict) -> dict:
    # Quiet leaders can only be said as of the close (a phone keeps its latest sync only).
    return {k: v for k, v in figures.items() if k != "quiet_leaders"}


async def test_closed_month_reads_the_same_after_roster_changes_late_entries_and_voids(world, month_world):
    month = month_world["month"]
    community = await Community.get(id=world.community.id)
    closed = (await load_pack(community, month)).figures
    before = dict(closed)

    # Today's bug: a resident who arrived today (80+, so needing checks) is approved today; a
    # resident seen last month moves out; another's care flags change.
    arrival = await make_roster_change(world, 0, kind="new_resident", resident=None, proposed={
        "name": "新来的", "gender": "F", "birth_year": 1938, "care_flags": ["age_80_plus"]})
    await roster.approve(None, arrival, world.users["office"])
    moving = await make_roster_change(world, 2, kind="moved", resident=world.residents["zhang"], proposed={})
    await roster.approve(None, await roster.community_change(world.community.id, str(moving.id)), world.users["office"])
    flags = await make_roster_change(world, 3, resident=world.residents["chen"], proposed={"care_flags": []})
    await roster.approve(None, await roster.community_change(world.community.id, str(flags.id)), world.users["office"])
    # A visit of that month synced only now, and a counted one voided now.
    late = await make_visit(world, 4, at_day(month.first + timedelta(days=13)), kind="mediation", status="urgent")
    await Visit.filter(id=late.id).update(received_at=datetime.now(timezone.utc))
    await Visit.filter(id=month_world["resolved"].id).update(
        voided_at=datetime.now(timezone.utc), void_reason="重复", voided_by_id=world.users["office"].id)

    # The office gives the open follow-up a person and a deadline already past, and makes a
    # follow-up of an entry that was none at the month's end.
    office = world.users["office"]
    open_urgent = await Visit.get(id=month_world["open_urgent"].id)
    await review.set_follow_up(None, open_urgent, office, review.FollowUpChange(office, month.first), "")
    plain = await Visit.filter(community_id=community.id, occurred_at__gte=month.start, occurred_at__lt=month.end,
                               follow_up_needed=False, withdrawn=False, voided_at__isnull=True).first()
    await review.set_follow_up(None, plain, office, review.FollowUpChange(office, None), "请跟进")
    live = (await compute(community, month, datetime.now(timezone.utc), live=True, full=True))["figures"]
    assert live["follow_ups"]["open"] == before["follow_ups"]["open"] + 1  # it did change

    pack = await load_pack(community, month)
    assert pack.figures == before
    assert pack.after.late == 2 and pack.after.removed == 1  # the 23:59 entry and today's; the void
    # Computed again as of the month's end today, the figures are those stored: the roster is
    # taken back to how it was then, later receipts and voids are left out.
    again = (await compute(community, month, month.end, full=True))["figures"]
    assert _same(again) == _same(before)
    assert again["checks"]["flagged"] == 4  # not 5 with the new arrival, not 3 without zhang
    # This month's pack sees today's roster: the arrival (never checked) and not zhang.
    now = (await compute(community, month.following(), datetime.now(timezone.utc)))["figures"]
    assert now["checks"]["flagged"] == 3 + 1 - 1  # li, wang, arrival (chen's flags dropped)
    # A withdrawal after the close changes nothing either.
    await Visit.filter(id=month_world["open_urgent"].id).update(withdrawn=True)
    pack = await load_pack(community, month)
    assert pack.figures == before and pack.after.removed == 2
    assert await ClosedMonth.filter(community_id=community.id).count() == 1


async def test_the_page_notes_the_close_and_links_the_late_entries(client, world, month_world):
    month = month_world["month"]
    await api_login(client, "office")
    html = (await client.get(f"/office/monthly?month={month.key}")).text
    assert "本月材料已于" in html and "封存后又收到本月的走访记录 1 条" in html
    late = await client.get(f"/office/monthly/late?month={month.key}")
    assert late.status_code == 200
    assert str(month_world["late"].id) in late.text and "共 1 条" in late.text
    for bad in ("abc", Month(today_shanghai().year, today_shanghai().month).key):  # malformed; not over
        assert (await client.get(f"/office/monthly/late?month={bad}")).status_code == 400


async def test_closing_is_idempotent(client, world, month_world):
    month = month_world["month"]
    token = await api_login(client, "office")
    first = await client.post("/office/monthly/close", data={"_csrf": token, "month": month.key})
    assert first.status_code == 303 and first.headers["location"].endswith("saved=closed")
    second = await client.post("/office/monthly/close", data={"_csrf": token, "month": month.key})
    assert second.status_code == 303 and second.headers["location"].endswith("saved=already")
    assert await ClosedMonth.all().count() == 1
    assert await AuditEvent.filter(action="month_closed").count() == 1
    this_month = Month(today_shanghai().year, today_shanghai().month)
    for bad in (this_month.key, "2026-13", ""):
        response = await client.post("/office/monthly/close", data={"_csrf": token, "month": bad})
        assert response.status_code == 400
    assert await ClosedMonth.all().count() == 1


async def test_two_processes_closing_at_once_keep_one_pack(world, month_world, monkeypatch):
    month = month_world["month"]
    community = await Community.get(id=world.community.id)
    real = closing.compute

    async def slow_compute(*args, **kw):
        data = await real(*args, **kw)
        # The other process stores its pack while this one is still computing.
        await ClosedMonth.create(community_id=community.id, month=month.key, figures={"total": 99}, lists={},
                                 as_of=month.end, closed_at=datetime.now(timezone.utc))
        return data

    monkeypatch.setattr(closing, "compute", slow_compute)
    closed, closed_now = await closing.close_month(community, month)
    assert not closed_now and closed.figures == {"total": 99}  # the winner's pack stands
    assert await ClosedMonth.all().count() == 1


async def test_void_leaves_the_current_months_figures(world):
    community = await Community.get(id=world.community.id)
    now = datetime.now(timezone.utc)
    month = Month(today_shanghai().year, today_shanghai().month)
    kept = await make_visit(world, 0, now - timedelta(minutes=30), kind="mediation", residents=[world.residents["li"]])
    voided = await make_visit(world, 1, now - timedelta(minutes=20), kind="mediation", status="urgent")
    await Visit.filter(id=voided.id).update(voided_at=now, void_reason="重复")
    p = (await compute(community, month, datetime.now(timezone.utc)))["figures"]
    assert p["total"] == 1 and [d["id"] for d in p["disputes"]] == [str(kept.id)] and p["urgent"] == []


async def test_due_today_reads_today(client, world):
    today = today_shanghai()
    await make_visit(world, 2, at_day(today - timedelta(days=7)), kind="elderly_check",
                     residents=[world.residents["zhang"]])  # every 7 days: due today
    await api_login(client, "office")
    html = (await client.get("/office/checks")).text
    assert "今天到期" in html and "还剩 0 天" not in html


@pytest.fixture
async def demo_committee(db):
    from server import demo

    await demo.load_demo()
    yield await Community.get(is_demo=True)


async def test_the_demo_pack_prints_on_at_most_eight_a4_pages(client, demo_committee):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from server.auth.passwords import DEMO_PASSWORD

    await api_login(client, "office", DEMO_PASSWORD)
    month = Month(today_shanghai().year, today_shanghai().month).previous()  # the last full month
    response = await client.get(f"/office/monthly.pdf?month={month.key}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    if os.environ.get("LOUZU_KEEP_PDF"):  # to look at it: LOUZU_KEEP_PDF=/tmp/pack.pdf
        Path(os.environ["LOUZU_KEEP_PDF"]).write_bytes(response.content)
    pages = len(reader.pages)
    print(f"demo pack {month.key}: {pages} A4 pages")
    assert 2 <= pages <= 8
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1  # A4 in points
    text = "".join(page.extract_text() for page in reader.pages)
    assert "需要会议研究的事项" in text and "矛盾调解" in text and "按期看望率 =" in text
    audit = await AuditEvent.get(action="monthly_pdf")
    assert audit.detail["pages"] == pages

    appendix = await client.get(f"/office/monthly.xlsx?month={month.key}")
    assert appendix.status_code == 200
    sheet = load_workbook(io.BytesIO(appendix.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    kinds = {r[0] for r in rows[1:]}
    assert rows[0][0] == "清单" and {"未办结的跟进事项", "需要看望的居民"} <= kinds
    closed = await closing.read_closed(demo_committee.id, month)
    needing = sum(1 for r in rows if r[0] == "需要看望的居民")
    assert needing == closed.figures["checks"]["overdue"] + closed.figures["checks"]["due"]
    assert sum(1 for r in rows if r[0] == "未办结的跟进事项") == closed.figures["follow_ups"]["open"]
    assert await Resident.filter(community_id=demo_committee.id).exists()


async def test_the_offices_own_roster_edits_are_taken_back_to_the_months_end(client, world, month_world):
    """Registering a resident, moving a household to another group, marking one resident moved
    and dropping another's care flags, all by the office's own forms today: the closed month's
    figures, computed again as of its end, are those it had."""
    from server.monthly_pack.as_of import roster_as_of

    month = month_world["month"]
    community = await Community.get(id=world.community.id)
    before = (await compute(community, month, month.end))["figures"]
    then = await roster_as_of(community.id, month.end)
    token = await api_login(client, "office")
    zhang, wang = world.residents["zhang"], world.residents["wang"]
    new = {"_csrf": token, "name": "周小红", "gender": "F", "birth_year": "1940", "phone": "",
           "care_flags": ["lives_alone", "hardship"]}
    assert (await client.post(f"/office/households/{world.households[1].id}/residents", data=new)).status_code == 303

    def edit(resident, **changes):
        form = {"_csrf": token, "name": resident.name, "gender": resident.gender,
                "birth_year": str(resident.birth_year), "phone": resident.phone or "",
                "care_flags": list(resident.care_flags), "status": "active"}
        return {**form, **changes}

    # wang and li's household moves from group 1 to group 2.
    response = await client.post(f"/office/households/{world.households[0].id}/group",
                                 data={"_csrf": token, "building_group": str(world.groups[1].id)})
    assert response.status_code == 303
    moved = edit(zhang, status="moved", confirm_status="moved")
    url = f"/office/households/{world.households[2].id}/residents/{zhang.id}"
    assert (await client.post(url, data=moved)).status_code == 303
    url = f"/office/households/{world.households[0].id}/residents/{wang.id}"
    assert (await client.post(url, data=edit(wang, care_flags=[]))).status_code == 303
    assert await AuditEvent.filter(action="resident_updated").count() == 2
    now = await roster_as_of(community.id, datetime.now(timezone.utc))
    assert {r.name for r in now.residents} != {r.name for r in then.residents}  # the roster did change
    again = await roster_as_of(community.id, month.end)
    assert sorted((r.id, tuple(r.care_flags), r.household_id) for r in again.residents) == sorted(
        (r.id, tuple(r.care_flags), r.household_id) for r in then.residents)
    assert {h: x.building_group_id for h, x in again.households.items()} == {
        h: x.building_group_id for h, x in then.households.items()}
    after = (await compute(community, month, month.end))["figures"]
    assert _same(after) == _same(before)
