"""Issue 12's two defects a leader could see, with JavaScript on:
- an English-speaking leader saw 帮困求助 as "Help with hardship" on the form and "Assistance"
  in the list of entries waiting on the phone: the phone's words now come from the catalog;
- a visit time cleared from the form was replaced by the phone's "now" (a leader back-filling
  yesterday's visit got today's date), where the server without JavaScript refuses it: now the
  phone refuses it too, with the server's words at the field, and saves nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from server.models import Visit
from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, go_offline, handset, leader_page, log_in_ready, outbox,
)

MISSING_TIME = "请填写走访的日期和时间"  # server/core/words.py MISSING_OCCURRED_AT


async def test_an_english_leader_sees_one_name_for_a_visit_kind_offline(leader_page, handset, world, counted_server):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.get_by_role("button", name="English").click()
    await page.goto(f"/households/{household.id}")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    before = await go_offline(handset, counted_server)

    form = page.locator('form[data-outbox-form="visit"]')
    on_the_form = (await form.locator("label[for=kind-assistance]").inner_text()).strip()
    assert on_the_form == "Help with hardship"
    await form.locator("input[name=kind][value=assistance]").check()
    await form.locator("input[name=status][value=ok]").check()
    await form.locator("button.save-visit").click()

    waiting = page.locator("[data-visit-list] .entry-waiting .entry-head")
    await expect(waiting).to_contain_text(on_the_form)
    assert "Assistance" not in await waiting.inner_text()
    assert [e["record"]["data"]["kind"] for e in await outbox(page)] == ["assistance"]
    assert await counted_server.requests() == before  # offline: nothing was sent


async def test_a_cleared_visit_time_is_refused_not_made_now(leader_page, world):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{household.id}")
    visits_before = await Visit.filter(household_id=household.id).count()
    form = page.locator('form[data-outbox-form="visit"]')
    await form.get_by_label("帮困求助").check()
    await form.get_by_label("一切安好").check()
    await form.locator("#occurred-at").fill("")
    await form.get_by_role("button", name="保存走访记录").click()

    # Where and as the server says it (partials: field_error), focus there, nothing kept.
    error = page.locator("#error-occurred_at")
    await expect(error).to_have_text("! " + MISSING_TIME)
    await expect(error).to_have_class("field-error")
    assert await page.locator("#field-occurred_at #error-occurred_at").count() == 1
    await expect(form.locator("#occurred-at")).to_have_attribute("aria-invalid", "true")
    assert "error-occurred_at" in (await form.locator("#occurred-at").get_attribute("aria-describedby")).split()
    assert await page.evaluate("document.activeElement.id") == "occurred-at"
    await expect(page.get_by_text("已保存在手机上")).to_have_count(0)
    assert await outbox(page) == []
    await assert_accessible(page)

    # Yesterday's visit, typed: the message goes, and yesterday is what is stored.
    yesterday = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).strftime("%Y-%m-%dT09:30")
    await form.locator("#occurred-at").fill(yesterday)
    await expect(error).to_have_count(0)
    await form.get_by_role("button", name="保存走访记录").click()
    await eventually(lambda: _more_visits(household.id, visits_before))
    stored = await Visit.filter(household_id=household.id).order_by("-id").first()
    assert stored.occurred_at.astimezone(timezone.utc) == datetime.fromisoformat(yesterday + ":00+08:00")


async def _more_visits(household_id: int, before: int) -> bool:
    return await Visit.filter(household_id=household_id).count() > before
