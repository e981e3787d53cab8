"""Checked on the phone before saving: every leader form refuses what the server would refuse
before the entry goes into the outbox, online and offline, with the server's own words next to
the field and focus moved there (web/static/js/checks.js, rules from sync/form_rules.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.async_api import Page, expect

from server.models import Visit
from tests.browser.conftest import assert_accessible
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, go_offline, handset, leader_page, log_in_ready, outbox, skip_phone_checks,
)
from tests.office_factories import make_question, make_visit

# Saved: online the message turns to 已上传 as soon as the push is answered, which may come
# before the assertion looks (so either words mean the form was accepted and kept).
SAVED = re.compile("已保存在手机上，有信号时自动上传|已保存，已上传到居委会")

NO_STATUS = "“情况”请选一项：一切安好、需要关注、紧急。"
NO_DATE = "需要跟进时，请填写跟进日期。"


async def focused(page: Page) -> dict:
    return await page.evaluate("() => ({ id: document.activeElement.id, name: document.activeElement.name })")


async def refused_at(page: Page, form, slot: str, message: str, box: str | None = None) -> None:
    """The message sits in the field's error slot, and the field points to it."""
    error = page.locator(f"#{slot}")
    await expect(error).to_have_text("! " + message)
    await expect(error).to_have_class("field-error")
    if box:
        await expect(form.locator(f"#{box}")).to_have_attribute("aria-invalid", "true")
        described = await form.locator(f"#{box}").get_attribute("aria-describedby")
        assert slot in described.split()


async def open_visit_form(page: Page, world):
    """leader01 on the phone, at the visit form of their first household: the form and its button."""
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    form = page.locator('form[data-outbox-form="visit"]')
    return form, form.get_by_role("button", name="保存走访记录")


async def test_the_visit_form_refuses_before_the_outbox(leader_page, world):
    page = leader_page
    household = world.households[0]
    form, save = await open_visit_form(page, world)

    # No 情况 chosen, follow-up ticked without a date: both said, focus on the first.
    await form.get_by_label("需要居委会跟进").check()
    await save.click()
    await refused_at(page, form, "error-status", NO_STATUS, "field-status")
    await refused_at(page, form, "error-follow_up_due", NO_DATE, "follow-up-due")
    assert (await focused(page))["name"] == "status"
    await expect(page.get_by_text("已保存在手机上")).to_have_count(0)
    assert await outbox(page) == []
    await assert_accessible(page)

    # Each message goes when its field is right; what is still wrong stays.
    await form.get_by_label("一切安好").check()
    await expect(page.locator("#error-status")).to_have_count(0)
    await expect(form.locator("#field-status")).not_to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#error-follow_up_due")).to_have_text("! " + NO_DATE)
    await save.click()
    assert (await focused(page))["id"] == "follow-up-due"
    await form.get_by_label("跟进期限", exact=False).fill("2026-12-05")
    await expect(page.locator("#error-follow_up_due")).to_have_count(0)

    # Notes longer than the server keeps (a textarea's maxlength stops typing, not a paste into
    # an old browser or a restored draft).
    await page.evaluate("""() => { const notes = document.querySelector('textarea[name=notes]');
        notes.removeAttribute('maxlength'); notes.value = '字'.repeat(2001); }""")
    await save.click()
    await refused_at(page, form, "error-notes", "备注最多 2000 个字，现在有 2001 个字，请删减后再保存。", "notes")
    assert (await focused(page))["id"] == "notes"
    assert await outbox(page) == []

    # Put right, the visit is saved as before.
    await form.locator("textarea[name=notes]").fill("血压正常")
    await save.click()
    await expect(page.get_by_text(SAVED)).to_be_visible()
    await expect(form.locator(".field-error")).to_have_count(0)
    await eventually(lambda: Visit.filter(household_id=household.id, notes="血压正常").exists())
    stored = await Visit.get(household_id=household.id, notes="血压正常")
    assert (stored.status.value, str(stored.follow_up_due)) == ("ok", "2026-12-05")


async def test_the_answer_and_roster_forms_refuse_before_the_outbox_offline(
    leader_page, handset, world, counted_server
):
    page = leader_page
    household = world.households[0]
    visit = await make_visit(world, 0, datetime.now(timezone.utc) - timedelta(hours=2), status="concern")
    question = await make_question(world, visit)
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    before = await go_offline(handset, counted_server)

    # An empty answer, with no signal.
    await page.goto(f"/households/{household.id}")
    await expect(page.locator("[data-offline-banner]")).to_be_visible()
    answer = page.locator(f'form[data-outbox-form="answer"][data-question-id="{question.id}"]')
    await answer.get_by_role("button", name="把回答发给居委会").click()
    slot = f"error-answer-{question.id}"
    await refused_at(page, answer, slot, "回答是空的，请写下要告诉居委会的情况。", f"answer-{question.id}")
    assert (await focused(page))["id"] == f"answer-{question.id}"
    assert await outbox(page) == []
    await assert_accessible(page)
    await answer.get_by_role("textbox").fill("下周一去复查")
    await expect(page.locator(f"#{slot}")).to_have_count(0)

    # A new resident born in 1800 and without a name, with no signal.
    await page.goto(f"/households/{household.id}/roster")
    roster = page.locator('form[data-outbox-form="roster_change"]')
    await roster.get_by_label("新来了一位居民").check()
    await roster.get_by_label("新居民（不在名单上）").check()
    await roster.get_by_label("性别").select_option("F")
    await roster.get_by_label("出生年份", exact=False).fill("1800")
    await roster.get_by_role("button", name="报告给居委会").click()
    await refused_at(page, roster, "error-fields-birth_year", "“出生年份”应为四位数的年份，不早于 1900 年。",
                     "fields-birth_year")
    await refused_at(page, roster, "error-fields-name", "新来的居民，请填写姓名。", "fields-name")
    assert (await focused(page))["id"] == "fields-birth_year"  # the first wrong field, as the server reads
    assert await outbox(page) == []
    await assert_accessible(page)

    await roster.get_by_label("出生年份", exact=False).fill("1948")
    await expect(page.locator("#error-fields-birth_year")).to_have_count(0)
    await expect(page.locator("#error-fields-name")).to_be_visible()
    await roster.get_by_label("姓名").fill("赵阿姨")
    await roster.get_by_role("button", name="报告给居委会").click()
    await expect(page.get_by_text(SAVED)).to_be_visible()
    entries = await outbox(page)
    assert [e["record"]["type"] for e in entries] == ["roster_change"]
    assert entries[0]["record"]["data"]["fields"] == {
        "name": "赵阿姨", "gender": "F", "birth_year": 1948, "phone": None, "care_flags": None,
    }
    assert await counted_server.requests() == before  # offline: nothing was sent


async def test_the_checks_are_there_for_a_sent_back_entry(leader_page, world):
    """showAt puts a message (the server's, for a sent-back entry) at its field; it goes once
    that field is changed, and clear() takes every message away."""
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}/roster")
    await page.evaluate("""() => { const form = document.querySelector('form[data-outbox-form=roster_change]');
        LouzuChecks.showAt(form, 'resident_id', '选中的居民不是这一户的在册居民，请刷新后重新选择。');
        LouzuChecks.showAt(form, 'fields', '请填写要修改的信息。'); }""")
    roster = page.locator('form[data-outbox-form="roster_change"]')
    await refused_at(page, roster, "error-resident_id", "选中的居民不是这一户的在册居民，请刷新后重新选择。", "field-resident_id")
    await roster.get_by_label("电话", exact=True).fill("13812345678")  # not the resident: that message stays
    await expect(page.locator("#error-resident_id")).to_be_visible()
    await expect(page.locator("#error-fields")).to_have_count(0)  # a person's field: it goes
    await roster.get_by_label("新居民（不在名单上）").check()
    await expect(page.locator("#error-resident_id")).to_have_count(0)
    assert await page.evaluate(
        "() => LouzuChecks.check(document.querySelector('form[data-outbox-form=roster_change]'))"
    ) == [{"field": "change", "message": "请选择是哪种变化：新来了居民、搬走、去世，或信息有变化。"}]


async def test_a_refused_visit_is_listed_in_words_not_codes(leader_page, world):
    """Should a visit without 情况 reach the server after all (a page without the rules), the
    phone lists it with the server's words: no "status_", no "ok, concern, urgent"."""
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    await skip_phone_checks(page)
    await page.locator('form[data-outbox-form="visit"]').get_by_role("button", name="保存走访记录").click()
    rejected = page.locator("[data-visit-list] .entry-rejected")
    await expect(rejected).to_contain_text("被退回：" + NO_STATUS)
    head = await rejected.locator(".entry-head").inner_text()
    assert head.startswith("老人看望 · 走访时间") and "status_" not in head and "undefined" not in head
    for shown in (await rejected.inner_text(), await page.locator("#sync-status").inner_text()):
        assert not any(code in shown for code in ("status_", "kind_", "ok, concern", "urgent"))


async def test_the_visit_form_refuses_a_follow_up_date_out_of_range_before_the_outbox(leader_page, world):
    from sync.form_rules import FOLLOW_UP_DUE_BEFORE_VISIT, FOLLOW_UP_DUE_TOO_LATE

    page = leader_page
    household = world.households[0]
    form, save = await open_visit_form(page, world)
    await form.get_by_label("一切安好").check()
    await form.get_by_label("需要居委会跟进").check()
    visit_day = (await form.locator("input[name=occurred_at]").input_value())[:10]

    for typed, message in (("0001-01-01", FOLLOW_UP_DUE_BEFORE_VISIT), ("9999-12-31", FOLLOW_UP_DUE_TOO_LATE)):
        await form.get_by_label("跟进期限", exact=False).fill(typed)
        await save.click()
        await refused_at(page, form, "error-follow_up_due", message, "follow-up-due")
        assert await outbox(page) == []

    await form.get_by_label("跟进期限", exact=False).fill(visit_day)
    await expect(page.locator("#error-follow_up_due")).to_have_count(0)
    await save.click()
    await expect(page.get_by_text(SAVED)).to_be_visible()
    await eventually(lambda: Visit.filter(household_id=household.id, follow_up_due__isnull=False).exists())
