"""A lost phone: the admin revokes its device on the real admin page, and at its next sync the
phone wipes what it kept (outbox, kept pages, session) and says why on the login page."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from server.models import DeviceSession, Visit
from tests.browser.conftest import log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    LAPTOP, counted_server, expect_pending, handset, kept_urls, leader_page, outbox, saved_offline,
)


async def test_a_device_revoked_by_the_admin_wipes_itself_at_its_next_sync(
    leader_page, handset, browser: Browser, live_server, world
):
    page = leader_page
    leader = world.users["leader01"]
    # The phone holds an entry that never got up, beside its kept pages.
    await saved_offline(page, handset, world, "手机丢在公交车上之前记的")
    await expect_pending(page, 1)
    assert [url for url in await kept_urls(page) if url.startswith(f"louzu-pages-u{leader.id} ")]
    [device] = await DeviceSession.filter(user_id=leader.id, revoked_at=None)

    laptop = await browser.new_context(base_url=live_server, **LAPTOP)
    admin = await laptop.new_page()
    await log_in(admin, "admin")
    await admin.goto(f"/admin/users/{leader.id}")
    devices = admin.locator("#devices")
    await devices.get_by_role("button", name="注销这台设备").click()
    await admin.wait_for_url("**saved=revoked**")
    await expect(devices.get_by_role("button", name="注销这台设备")).to_have_count(0)
    await laptop.close()
    await device.refresh_from_db()
    assert device.revoked_at is not None

    # The signal returns; the phone's next sync hears session_revoked and wipes itself.
    await handset.set_offline(False)
    await page.wait_for_url("**/login?revoked=1", timeout=20_000)
    await expect(page.get_by_text("这台设备已被管理员注销登录")).to_be_visible()
    await expect(page.get_by_text("手机上保存的页面和记录已按管理员的要求清除。")).to_be_visible()
    assert await outbox(page) == []
    assert [url for url in await kept_urls(page) if url.startswith("louzu-pages-")] == []
    assert await page.evaluate("LouzuOutbox.session()") is None
    assert await Visit.all().count() == 0, "a revoked phone's entries are not accepted"

    # Nothing personal opens any more: the household page asks for a login.
    await page.goto(f"/households/{world.households[0].id}")
    await page.wait_for_url("**/login**")
    assert "王秀英" not in await page.content()
