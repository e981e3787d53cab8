"""What a leader sees settle: the "已可离线使用" notice shifts nothing (CLS < 0.05), and a name
never breaks in the middle (梁/博文), even with a large system font."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    counted_server, handset, leader_page, ready_offline,
)

# Every layout shift the page has had, without those right after the leader's own input.
CUMULATIVE_LAYOUT_SHIFT = """() => new Promise((done) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const shift of list.getEntries()) if (!shift.hadRecentInput) total += shift.value;
  }).observe({ type: 'layout-shift', buffered: true });
  setTimeout(() => done(total), 300);
})"""


async def test_the_offline_ready_notice_moves_nothing(leader_page, world):
    page = leader_page
    await log_in(page, "leader01")
    await ready_offline(page, world.users["leader01"].id)
    toast = page.locator(".toast", has_text="已可离线使用")
    await expect(toast).to_be_visible()
    shift = await page.evaluate(CUMULATIVE_LAYOUT_SHIFT)
    assert shift < 0.05, f"cumulative layout shift {shift:.3f}"
    # It covers nothing for good: the page scrolls clear of it, and it closes.
    await page.get_by_role("button", name="退出登录").scroll_into_view_if_needed()
    await toast.get_by_role("button", name="知道了").click()
    await expect(toast).to_have_count(0)


async def test_names_never_break_mid_word(leader_page, world):
    li = world.residents["li"]
    li.name = "欧阳博文"
    await li.save()
    page = leader_page
    await log_in(page, "leader01")
    for root_px in ("20px", "26px", "32px"):
        await page.evaluate("(px) => { document.documentElement.style.fontSize = px; }", root_px)
        for path, selector in (("/", ".due-name"), (f"/households/{world.households[0].id}", ".resident-name")):
            if page.url.split("/", 3)[-1] != path.lstrip("/"):
                await page.goto(path)
                await page.evaluate("(px) => { document.documentElement.style.fontSize = px; }", root_px)
            lines = await page.evaluate(
                """([selector, name]) => [...document.querySelectorAll(selector)].filter((e) => e.textContent.includes(name))
                .map((e) => { const text = [...e.childNodes].find((n) => n.nodeType === 3 && n.textContent.includes(name));
                  const range = document.createRange(); range.selectNodeContents(text);
                  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size; })""",
                [selector, "欧阳博文"],
            )
            assert lines and all(n == 1 for n in lines), f"{path} at {root_px}: the name takes {lines} lines"
