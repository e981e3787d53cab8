"""Sessions on a shared, losable phone: expiry keeps the queue, revocation wipes, logout warns
and wipes, and the next leader on the same browser sees nothing of the last."""

from datetime import datetime, timedelta, timezone

from playwright.async_api import expect

from server.models import DeviceSession, Visit
from tests.browser.conftest import log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, eventually, expect_pending, handset, kept_urls, leader_page, log_in_ready, outbox, outbox_emptied,
    ready_offline, save_visit, saved_offline,
)
from tests.factories import PASSWORD


def now() -> datetime:
    return datetime.now(timezone.utc)


async def pages_kept(page) -> list[str]:
    return [url for url in await kept_urls(page) if url.startswith("louzu-pages-")]


async def test_an_expired_session_keeps_the_queue_and_resumes_after_login(leader_page, handset, world):
    page = leader_page
    leader = world.users["leader01"]
    household = world.households[0]
    await log_in_ready(page, "leader01", leader.id)
    await handset.set_offline(True)
    await page.goto(f"/households/{household.id}")
    await save_visit(page, notes="第一条")
    await save_visit(page, notes="第二条")
    await DeviceSession.filter(user_id=leader.id).update(expires_at=now() - timedelta(minutes=1))

    await handset.set_offline(False)
    problem = page.locator("[data-sync-problem]")
    await expect(problem).to_contain_text("请重新登录，您的 2 条记录还在手机上", timeout=20_000)
    assert await Visit.filter(household_id=household.id).count() == 0
    assert len(await outbox(page)) == 2
    # The worker's manifest refresh may meet the expired session first and say so while the
    # page's own push is still out; its 401 then puts both entries back to waiting. Until it
    # has, the login page rightly says they were sent and are not yet confirmed.
    async def both_waiting() -> bool:
        return [entry["state"] for entry in await outbox(page)] == ["waiting", "waiting"]

    await eventually(both_waiting)

    await problem.get_by_role("link", name="重新登录").click()
    await expect(page.get_by_text("手机上有 2 条记录等待上传，登录后会自动上传。")).to_be_visible()
    await page.get_by_label("用户名").fill("leader01")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"**/households/{household.id}")
    await outbox_emptied(page)
    await expect_pending(page, 0)
    assert sorted(await Visit.filter(household_id=household.id).values_list("notes", flat=True)) == ["第一条", "第二条"]


async def test_a_revoked_session_tells_the_leader_and_wipes_the_phone(leader_page, handset, world):
    page = leader_page
    leader = world.users["leader01"]
    await saved_offline(page, handset, world, "手机丢了")
    await DeviceSession.filter(user_id=leader.id).update(revoked_at=now())

    await handset.set_offline(False)
    await page.wait_for_url("**/login?revoked=1", timeout=20_000)
    await expect(page.get_by_text("这台设备已被管理员注销登录")).to_be_visible()
    await expect(page.get_by_text("手机上保存的页面和记录已按管理员的要求清除。")).to_be_visible()
    assert await outbox(page) == []
    assert await pages_kept(page) == []
    assert await page.evaluate("LouzuOutbox.session()") is None

    await handset.set_offline(True)
    await page.goto(f"/households/{world.households[0].id}")
    await expect(page.get_by_role("heading", name="现在没有信号")).to_be_visible()
    assert await Visit.all().count() == 0


async def test_logout_warns_about_waiting_entries_and_leaves_nothing_behind(leader_page, handset, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await handset.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    await page.goto(f"/households/{world.households[0].id}")
    await save_visit(page, notes="还没上传")
    await expect_pending(page, 1)

    await page.get_by_role("button", name="退出登录").click()
    dialog = page.get_by_role("dialog", name="还有记录没有上传")
    await expect(dialog).to_contain_text("手机上还有 1 条记录没有上传到居委会")
    await dialog.get_by_role("button", name="先同步").click()  # the upload still cannot get through
    await expect(dialog).to_contain_text("手机上还有 1 条记录没有上传到居委会")
    await dialog.get_by_role("button", name="仍然退出").click()

    await page.wait_for_url("**/login?logged_out=1")
    assert await outbox(page) == []
    assert await pages_kept(page) == []
    assert await page.evaluate("LouzuOutbox.session()") is None
    assert not [c for c in await handset.cookies() if c["name"] == "louzu_session" and c["value"]]
    await handset.set_offline(True)
    for url in ("/", f"/households/{world.households[0].id}", "/visits/mine"):
        await page.goto(url)
        await expect(page.get_by_role("heading", name="现在没有信号")).to_be_visible()
        assert "王秀英" not in await page.content()


async def test_the_next_leader_on_the_same_browser_sees_nothing_of_the_last(leader_page, handset, world, counted_server):
    page = leader_page
    first, second = world.users["leader01"], world.users["leader02"]
    await log_in_ready(page, "leader01", first.id)
    await handset.route("**/api/sync/push", lambda route: route.abort("internetdisconnected"))
    await page.goto(f"/households/{world.households[0].id}")
    await save_visit(page, notes="第一位组长的记录")
    [left_behind] = await outbox(page)

    # The phone changes hands without a logout (the first session simply ended).
    await handset.clear_cookies()
    await log_in(page, "leader02")
    await handset.unroute("**/api/sync/push")
    already_pushed = len(await counted_server.pushed())
    await ready_offline(page, second.id)
    await expect(page.get_by_role("heading", name="您好，李国强")).to_be_visible()
    kept = await pages_kept(page)
    assert kept and all(url.startswith(f"louzu-pages-u{second.id} ") for url in kept)
    assert not [u for u in kept if any(u.endswith(f"/households/{h.id}") for h in world.households[:3])]
    await page.goto(f"/households/{world.households[3].id}")
    await save_visit(page, notes="第二位组长的记录")
    await expect_pending(page, 0)
    await eventually(lambda: Visit.filter(notes="第二位组长的记录").exists())
    assert left_behind["id"] not in (await counted_server.pushed())[already_pushed:], "never sent as someone else"
    await page.goto("/phone")
    await expect(page.get_by_text("另一个账号的 1 条记录没有上传")).to_be_visible()
    assert "第一位组长的记录" not in await page.content()
    await handset.set_offline(True)
    await page.goto(f"/households/{world.households[0].id}")
    await expect(page.get_by_role("heading", name="现在没有信号")).to_be_visible()
    await handset.set_offline(False)

    # The first leader logs in again: their entry was kept for them and now goes up.
    await handset.clear_cookies()
    await log_in(page, "leader01")
    await outbox_emptied(page)
    assert await Visit.filter(id=left_behind["id"], author_id=first.id).count() == 1
