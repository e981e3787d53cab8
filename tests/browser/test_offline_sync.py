"""What the server answers decides what leaves the phone: a lost answer is retried and ends as
`duplicate`, a rejected entry stays in sight until the leader corrects or withdraws it."""

from playwright.async_api import expect

from server.models import Visit, VisitRevision
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, expect_pending, handset, leader_page, log_in_ready, outbox, outbox_emptied, save_visit,
    skip_phone_checks,
)

LOSE_ANSWER = {"x-louzu-test-fault": "drop-response-after-commit"}


async def test_a_lost_answer_is_retried_and_stored_once(leader_page, handset, world, counted_server):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    already_pushed = len(await counted_server.pushed())
    lost = []

    async def lose_the_first_answer(route):
        # The server commits, then the answer never reaches the phone (test-only hook).
        headers = {**route.request.headers, **(LOSE_ANSWER if not lost else {})}
        lost.append(bool(not lost))
        await route.continue_(headers=headers)

    await handset.route("**/api/sync/push", lose_the_first_answer)
    await page.goto(f"/households/{world.households[0].id}")
    await save_visit(page, notes="回复丢了也只存一次")
    await outbox_emptied(page)
    await expect_pending(page, 0)

    pushed = (await counted_server.pushed())[already_pushed:]
    assert len(pushed) == 2 and pushed[0] == pushed[1], "sent, answer lost, sent again under the same id"
    assert await Visit.filter(id=pushed[0]).count() == 1
    assert await Visit.filter(household_id=world.households[0].id).count() == 1
    assert await VisitRevision.filter(visit_id=pushed[0]).count() == 1, "the retry changed nothing"


async def test_a_rejected_entry_stays_until_corrected(leader_page, world):
    page = leader_page
    household = world.households[0]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{household.id}")
    # A follow-up without a due date: the server refuses it (sync/validate.py).
    await skip_phone_checks(page)
    await save_visit(page, status="需要关注", notes="水管漏水，要找物业", follow_up=True)

    rejected = page.locator("[data-visit-list] .entry-rejected")
    await expect(rejected).to_contain_text("被退回：需要跟进时，请填写跟进日期。")
    await expect(page.locator("#sync-status")).to_contain_text("1 条被退回，请处理")
    await page.reload()
    await expect(rejected).to_contain_text("水管漏水，要找物业")
    [entry] = await outbox(page)
    assert entry["state"] == "rejected"

    await page.goto("/phone")
    problem = page.locator("[data-problems-list] .entry-rejected")
    await expect(problem).to_contain_text("需要跟进时，请填写跟进日期。")
    await problem.get_by_role("link", name="修改").click()
    await expect(page.get_by_text("正在修改被退回的记录")).to_be_visible()
    form = page.locator('form[data-outbox-form="visit"]')
    await expect(form.get_by_label("情况说明", exact=False)).to_have_value("水管漏水，要找物业")
    await form.get_by_label("跟进期限", exact=False).fill("2026-12-10")
    await form.get_by_role("button", name="保存走访记录").click()

    # Uploaded: the list shows it as such, in place of the sent-back entry.
    await expect(page.locator("[data-visit-list] .entry-synced")).to_contain_text("水管漏水，要找物业", timeout=20_000)
    await expect(page.locator("[data-visit-list] .entry-rejected")).to_have_count(0)
    visit = await Visit.get(id=entry["id"])  # corrected and sent under the same id
    assert visit.notes == "水管漏水，要找物业" and visit.follow_up_due.isoformat() == "2026-12-10"
    assert await outbox(page) == []


async def test_a_rejected_entry_can_be_withdrawn_after_confirming(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[1].id}")
    await skip_phone_checks(page)
    await save_visit(page, notes="记错了", follow_up=True)
    await page.goto("/phone")
    problem = page.locator("[data-problems-list] .entry-rejected")
    await expect(problem).to_contain_text("记错了")

    await problem.get_by_role("button", name="撤回").click()
    dialog = page.get_by_role("dialog", name="撤回这条记录？")
    await expect(dialog).to_contain_text("撤回后它会从手机上删除")
    await dialog.get_by_role("button", name="取消").click()
    await expect(problem).to_be_visible()

    await problem.get_by_role("button", name="撤回").click()
    await dialog.get_by_role("button", name="撤回").click()
    await expect(problem).to_have_count(0)
    await expect(page.get_by_text("没有被退回的记录。")).to_be_visible()
    assert await outbox(page) == []
    assert await Visit.filter(household_id=world.households[1].id).count() == 0
