"""The office voids (作废) a mistaken or doubled visit with a reason: it stays with its history,
reads 已作废 everywhere, leaves every count and list of work, its leader sees it with the reason
and can no longer change it; the void can be undone (恢复); both are audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from server.checks.rules import last_checks
from server.core.dates import today_shanghai
from server.ingest import apply_records
from server.models import (
    AuditEvent,
    ReviewState,
    Visit,
    VisitQuestion,
    VisitReviewEvent,
    VisitRevision,
)
from server.office.follow_ups import follow_up_list
from tests.factories import api_login
from tests.office_factories import make_question, make_visit
from tests.test_office_exports import HEADERS, ID, dashboard_ids


def form(token: str, **fields) -> dict:
    return {"_csrf": token, **fields}


async def twins(world):
    """One visit logged twice from two phones (a likely duplicate), with a resident seen."""
    when = datetime.now(timezone.utc) - timedelta(hours=3)
    li = world.residents["li"]
    kept = await make_visit(world, 0, when, kind="elderly_check", residents=[li], notes="血压正常",
                            follow_up_needed=True, follow_up_due=today_shanghai() + timedelta(days=3))
    doubled = await make_visit(world, 0, when + timedelta(minutes=20), kind="elderly_check", residents=[li],
                               notes="血压正常（又记了一次）", follow_up_needed=True,
                               follow_up_due=today_shanghai() + timedelta(days=3))
    return kept, doubled


def csv_rows(response) -> list[dict]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, row)) for row in rows[1:]]


async def test_a_void_needs_a_reason_and_a_refused_one_changes_nothing(client, world):
    visit = await make_visit(world)
    token = await api_login(client, "office")
    refused = await client.post(f"/office/visits/{visit.id}/void", data=form(token, void_reason="   "))
    assert refused.status_code == 400 and "请写明作废的原因，楼组长会看到。" in refused.text
    too_long = await client.post(f"/office/visits/{visit.id}/void", data=form(token, void_reason="错" * 2001))
    assert too_long.status_code == 400 and "错" * 2001 in too_long.text  # what was typed comes back
    assert (await Visit.get(id=visit.id)).voided_at is None
    assert not await VisitReviewEvent.exists() and not await AuditEvent.filter(action="visit_voided").exists()


async def test_a_voided_visit_leaves_the_dashboard_duplicates_and_exports(client, world):
    kept, doubled = await twins(world)
    token = await api_login(client, "office")
    before = (await client.get("/office")).text
    assert set(dashboard_ids(before)) == {str(kept.id), str(doubled.id)} and before.count("疑似重复") >= 2

    response = await client.post(f"/office/visits/{doubled.id}/void", data=form(token, void_reason="同一次走访记了两遍"))
    assert response.status_code == 303 and response.headers["location"].endswith("saved=voided")
    stored = await Visit.get(id=doubled.id)
    assert stored.voided_at is not None and stored.void_reason == "同一次走访记了两遍"
    assert stored.voided_by_id == world.users["office"].id
    assert (stored.notes, stored.version, stored.review_state) == ("血压正常（又记了一次）", 1, ReviewState.NEW)

    # The dashboard: gone from the list and its count; the twin is no longer a likely duplicate.
    after = (await client.get("/office")).text
    assert dashboard_ids(after) == [str(kept.id)] and "共 1 条" in after and "疑似重复" not in after
    # Asked for alone, it is listed and marked in words.
    voided_list = (await client.get("/office?void=only")).text
    assert dashboard_ids(voided_list) == [str(doubled.id)] and "已作废" in voided_list

    # The exports: left out, and the export's audited count says so.
    rows = csv_rows(await client.get("/office/visits.csv"))
    assert [r["记录编号"] for r in rows] == [str(kept.id)] and rows[0]["已作废"] == "否"
    sheet = load_workbook(io.BytesIO((await client.get("/office/visits.xlsx")).content)).active
    assert [row[ID] for row in sheet.iter_rows(min_row=2, values_only=True)] == [str(kept.id)]
    assert [a.detail["rows"] for a in await AuditEvent.filter(action__startswith="export").order_by("id")] == [1, 1]
    # ... and marked with its reason when the voided ones are exported on purpose.
    only = csv_rows(await client.get("/office/visits.csv?void=only"))
    assert [(r["记录编号"], r["已作废"], r["作废原因"]) for r in only] == [(str(doubled.id), "是", "同一次走访记了两遍")]
    book = load_workbook(io.BytesIO((await client.get("/office/visits.xlsx?void=only")).content)).active
    row = next(book.iter_rows(min_row=2, values_only=True))
    assert (row[HEADERS.index("已作废")], row[HEADERS.index("作废原因")]) == ("是", "同一次走访记了两遍")

    # The visit page: the banner with who and why, the void in the history, no work forms.
    page = (await client.get(f"/office/visits/{doubled.id}")).text
    assert 'class="void-banner"' in page and "作废原因：" in page and "同一次走访记了两遍" in page
    assert "作废了这条记录，原因：" in page
    assert f'action="/office/visits/{doubled.id}/review"' not in page
    assert f'action="/office/visits/{doubled.id}/follow-up"' not in page
    assert f'action="/office/visits/{doubled.id}/restore"' in page
    # The other copy's page lists it among the household's visits, marked.
    assert "已作废" in (await client.get(f"/office/visits/{kept.id}")).text
    assert "已作废" in (await client.get(f"/office/households/{world.households[0].id}")).text

    event = await VisitReviewEvent.get(visit_id=doubled.id)
    assert (event.kind, event.comment, event.actor_id) == ("void", "同一次走访记了两遍", world.users["office"].id)
    audit = await AuditEvent.get(action="visit_voided")
    assert (audit.target_id, audit.detail, audit.community_id) == (
        str(doubled.id), {"reason": "同一次走访记了两遍"}, world.community.id
    )
    # Voiding it again is refused, nothing added.
    again = await client.post(f"/office/visits/{doubled.id}/void", data=form(token, void_reason="再来一次"))
    assert again.status_code == 400 and "这条记录已经作废了。" in again.text
    assert await VisitReviewEvent.filter(visit_id=doubled.id).count() == 1


async def test_a_voided_visit_leaves_checks_follow_ups_and_cannot_be_worked_on(client, world):
    kept, doubled = await twins(world)
    li = world.residents["li"]
    token = await api_login(client, "office")
    await client.post(f"/office/visits/{kept.id}/void", data=form(token, void_reason="记错了户"))
    await client.post(f"/office/visits/{doubled.id}/void", data=form(token, void_reason="重复"))

    assert await last_checks([li.id]) == {}  # li was never checked, as far as any count knows
    listing = await follow_up_list(world.community.id, world.users["office"].id, "open", today_shanghai())
    assert listing.visits == [] and listing.counts["open"] == 0
    checks_page = (await client.get("/office/checks")).text
    assert "李建国" in checks_page  # listed as needing a visit again

    for path, data, message in (
        ("review", {"to_state": "acknowledged", "comment": "看过"}, "这条记录已作废，不能再处理。"),
        ("review", {"to_state": "keep", "comment": "看过"}, "这条记录已作废，不能再处理。"),
        ("follow-up", {"assignee": str(world.users["office"].id)}, "这条记录已作废，不能再处理。"),
        ("send-back", {"question": "是哪天去的？"}, "这条记录已作废，不能再处理。"),
    ):
        refused = await client.post(f"/office/visits/{kept.id}/{path}", data=form(token, **data))
        assert refused.status_code == 400 and message in refused.text, path
    stored = await Visit.get(id=kept.id)
    assert stored.review_state == ReviewState.NEW and stored.follow_up_assignee_id is None
    assert not await VisitQuestion.exists()


async def test_undo_counts_the_visit_again_and_keeps_the_void_in_its_history(client, world):
    kept, doubled = await twins(world)
    token = await api_login(client, "admin")
    await client.post(f"/office/visits/{doubled.id}/void", data=form(token, void_reason="以为重复"))
    not_voided = await client.post(f"/office/visits/{kept.id}/restore", data=form(token))
    assert not_voided.status_code == 400 and "这条记录没有作废，不用恢复。" in not_voided.text

    response = await client.post(f"/office/visits/{doubled.id}/restore", data=form(token, restore_comment="其实是两次走访"))
    assert response.status_code == 303 and response.headers["location"].endswith("saved=restored")
    stored = await Visit.get(id=doubled.id)
    assert (stored.voided_at, stored.void_reason, stored.voided_by_id) == (None, "", None)
    assert set(dashboard_ids((await client.get("/office")).text)) == {str(kept.id), str(doubled.id)}
    assert len(csv_rows(await client.get("/office/visits.csv"))) == 2
    events = await VisitReviewEvent.filter(visit_id=doubled.id).order_by("id")
    assert [(e.kind, e.comment) for e in events] == [("void", "以为重复"), ("restore", "其实是两次走访")]
    audit = await AuditEvent.get(action="visit_restored")
    assert audit.detail == {"void_reason": "以为重复", "comment": "其实是两次走访"}
    assert audit.actor_id == world.users["admin"].id
    page = (await client.get(f"/office/visits/{doubled.id}")).text
    assert "恢复了这条记录（取消作废）" in page and "以为重复" in page and 'class="void-banner"' not in page
    assert f'action="/office/visits/{doubled.id}/review"' in page
    log = (await client.get("/admin/audit")).text
    assert "作废走访记录" in log and "恢复已作废的走访记录" in log


async def test_the_leader_sees_the_void_with_its_reason_and_cannot_change_it(client, world):
    kept, doubled = await twins(world)
    household = world.households[0]
    await make_question(world, doubled, "是哪天去的？")
    await api_login(client, "leader01")
    home_before = (await client.get("/")).text
    assert "是哪天去的？" in home_before
    manifest_before = {p["url"]: p["version"] for p in (await client.get("/api/sync/manifest")).json()["pages"]}

    token = await api_login(client, "office")
    await client.post(f"/office/visits/{doubled.id}/void", data=form(token, void_reason="同一次走访记了两遍"))
    office_home = (await client.get("/office")).text
    assert "是哪天去的？" not in office_home  # its question waits for nobody

    await api_login(client, "leader01")
    manifest_after = {p["url"]: p["version"] for p in (await client.get("/api/sync/manifest")).json()["pages"]}
    # The phone refetches the pages that show it.
    for url in (f"/households/{household.id}", "/visits/mine"):
        assert manifest_after[url] != manifest_before[url], url
    for url in (f"/households/{household.id}", "/visits/mine"):
        html = (await client.get(url)).text
        item = re.search(rf'<li class="visit-item[^"]*" id="visit-{doubled.id}"[^>]*>.*?</li>', html, re.S).group(0)
        assert "voided" in item.split(">")[0]
        assert "已作废：居委会作废了这条记录，不计入统计。原因：同一次走访记了两遍" in item
        assert "data-visit=" not in item and "data-withdraw-visit" not in item and "#change=" not in item
        other = re.search(rf'<li class="visit-item[^"]*" id="visit-{kept.id}"[^>]*>.*?</li>', html, re.S).group(0)
        assert "data-withdraw-visit" in other  # the one still counted can be changed as before
    assert "是哪天去的？" not in (await client.get("/")).text
    assert "是哪天去的？" not in (await client.get(f"/households/{household.id}")).text


async def test_an_update_from_the_phone_of_a_voided_visit_is_refused_and_changes_nothing(world):
    """An update of a voided visit made before the phone saw the void is `rejected` (code
    `voided`, the reason in the message); the visit, its void and its reason stay as they were."""
    _, doubled = await twins(world)
    await Visit.filter(id=doubled.id).update(
        voided_at=datetime.now(timezone.utc), void_reason="重复", voided_by_id=world.users["office"].id
    )
    leader = world.users["leader01"]
    record = {
        "id": str(doubled.id), "type": "visit", "op": "update", "base_version": 1,
        "client_time": datetime.now(timezone.utc).isoformat(),
        "data": {"household_id": doubled.household_id, "resident_ids": [], "kind": "elderly_check",
                 "occurred_at": doubled.occurred_at.isoformat(), "status": "ok", "notes": "改了内容",
                 "follow_up_needed": False, "follow_up_due": None},
    }
    before = await Visit.filter(id=doubled.id).values()
    [result] = await apply_records([record], user=leader, device_id="phone-1")
    assert result.status == "rejected" and result.error.code == "voided" and result.error.field == "id"
    assert "作废" in result.error.message and "重复" in result.error.message
    assert await Visit.filter(id=doubled.id).values() == before
    assert await VisitRevision.filter(visit_id=doubled.id, op="update").count() == 0


async def test_an_update_applied_before_the_void_replays_as_a_duplicate_after_it(world):
    """The phone that lost the answer to its update sends it again after the office voided the
    visit: it was applied, so it still answers `duplicate` (never `voided`), and nothing changes."""
    from tests.test_ingest import update_of, visit_record

    leader = world.users["leader01"]
    created = visit_record(world.households[0])
    changed = update_of(created, 1, status="concern")
    await apply_records([created, changed], user=leader, device_id="phone-1")
    await Visit.filter(id=created["id"]).update(
        voided_at=datetime.now(timezone.utc), void_reason="重复", voided_by_id=world.users["office"].id
    )
    before = await Visit.filter(id=created["id"]).values()

    [replay] = await apply_records([changed], user=leader, device_id="phone-1")

    assert (replay.status, replay.version) == ("duplicate", 2)
    assert await Visit.filter(id=created["id"]).values() == before
