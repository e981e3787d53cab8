"""Sync that cannot hang: a server that takes a push but never answers it (a connection that dies
silently mid-request) costs one timeout, not the outbox. The status line says in words what
holds the entries back (sending, waiting, no signal, no server), the login page does not claim
entries it cannot check, and the offline banner goes once the server answers again.

The server's switch (offline_server.HOLD_PATH) lets requests reach the app, so a push IS
applied, and holds the answers. The phone's 30 s deadline is shortened here through the
documented test hook, the outbox meta key 'push_timeout_ms'; one check pins the real default."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import expect

from server.models import Visit
from tests.browser.conftest import log_in
from tests.browser.offline_helpers import (  # noqa: F401  (fixtures)
    CountedServer, counted_server, eventually, go_offline, handset, leader_page, log_in_ready, outbox,
    outbox_emptied, save_visit, until,
)
from tests.browser.offline_server import COUNTER_PATH, HOLD_PATH

PUSH = "/api/sync/push"
SHORT_TIMEOUT_MS = 8000  # the test hook's deadline: long enough to read the line while a push hangs


async def hold_answers(server: CountedServer, path: str, on: bool) -> None:
    async with httpx.AsyncClient() as client:
        await client.get(server.url + HOLD_PATH, params={"path": path, "on": "1" if on else "0"})


async def holding(server: CountedServer) -> int:
    """How many requests have reached the app and wait for their answer to be let go."""
    async with httpx.AsyncClient() as client:
        return (await client.get(server.url + COUNTER_PATH)).json()["holding"]


async def notes_stored(notes: str) -> int:
    return await Visit.filter(notes=notes).count()


async def test_a_push_without_an_answer_does_not_hang_the_outbox(leader_page, world, counted_server):
    page = leader_page
    status = page.locator("#sync-status")
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    # The real deadline is 30 s, and nothing but a test sets the hook.
    assert await page.evaluate("LouzuOutbox.PUSH_TIMEOUT_MS") == 30_000
    assert await page.evaluate("LouzuOutbox.getMeta('push_timeout_ms')") is None
    await page.evaluate(f"LouzuOutbox.setMeta('push_timeout_ms', {SHORT_TIMEOUT_MS})")
    already_pushed = len(await counted_server.pushed())

    await hold_answers(counted_server, PUSH, True)
    try:
        await save_visit(page, notes="没有回音的第一条")
        await eventually(lambda: notes_stored("没有回音的第一条"))  # the server applied it, the answer hangs
        await eventually(lambda: holding(counted_server))
        await save_visit(page, notes="随后保存的第二条")
        # One entry is in flight, one waits: the line tells them apart.
        await expect(status).to_contain_text("正在上传 1 条，还有 1 条等待")
        # The push is given up: the line says the server, not the signal, is the trouble.
        await expect(status).to_contain_text("服务器暂时连不上 · 2 条记录等待上传，稍后自动重试", timeout=60_000)
        assert await page.evaluate("navigator.onLine")
        # The lock is free again: a flush asked for now runs (its push is held, then given up).
        problem = await asyncio.wait_for(page.evaluate("LouzuOutbox.flush().then(s => s.problem)"), 60)
        assert problem == "unreachable"
        await eventually(lambda: notes_stored("随后保存的第二条"), timeout=60)  # the retries carry it too
    finally:
        await hold_answers(counted_server, PUSH, False)

    # Answers flow again: the next retry takes everything out, each entry stored once.
    await outbox_emptied(page)
    await expect(status).to_contain_text("手机上没有等待上传的记录")
    assert await notes_stored("没有回音的第一条") == 1
    assert await notes_stored("随后保存的第二条") == 1
    pushed = (await counted_server.pushed())[already_pushed:]
    assert len(pushed) > len(set(pushed)) == 2, f"retried, and the server said duplicate: {pushed}"
    assert await page.evaluate("LouzuOutbox.status().then(s => s.pushProblem)") is None


async def test_no_signal_is_not_a_server_problem(leader_page, handset, world):
    page = leader_page
    status = page.locator("#sync-status")
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[1].id}")
    await handset.set_offline(True)
    await save_visit(page, notes="楼道里没有信号")
    await expect(status).to_contain_text("没有信号 · 1 条记录等待上传，有信号时自动上传")
    await until(page, "() => LouzuOutbox.status().then(s => s.pushProblem === 'network')")  # the flush's own finding
    [entry] = await outbox(page)
    assert not entry.get("unconfirmed"), "with no signal the push never left the phone"
    await handset.set_offline(False)
    await expect(status).to_contain_text("手机上没有等待上传的记录", timeout=20_000)
    assert await notes_stored("楼道里没有信号") == 1


STATUS = """([waiting, sending, flushing, pushProblem]) => {
  const entries = [...Array(waiting)].map((_, i) => ({ state: i < sending ? 'sending' : 'waiting' }));
  Louzu.renderers.find((draw) => draw.name === 'renderSyncStatus')({ waiting, entries, flushing, pushProblem, rejected: 0, lastSync: null, problem: null });
  return document.querySelector('[data-sync-words]').textContent;
}"""


async def test_the_status_line_words(leader_page, world):
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    await expect(page.locator("#sync-status")).to_contain_text("手机上没有等待上传的记录")
    await page.wait_for_timeout(500)  # the load's own sync and render are done: the line is ours

    async def words(*status):
        return await page.evaluate(STATUS, list(status))

    assert await words(5, 1, True, None) == "正在上传 1 条，还有 4 条等待"
    assert await words(1, 1, True, None) == "正在上传 1 条记录…"
    # "sending" left by a closed page, with no flush running, is not being sent.
    assert await words(3, 1, False, None) == "手机上有 3 条记录等待上传"
    assert await words(2, 0, False, "network") == "没有信号 · 2 条记录等待上传，有信号时自动上传"
    assert await words(2, 2, True, "unreachable") == "服务器暂时连不上 · 2 条记录等待上传，稍后自动重试"
    assert await words(2, 0, False, "server_500") == "服务器出了问题 · 2 条记录等待上传，稍后自动重试"
    assert await words(0, 0, False, "unreachable") == "手机上没有等待上传的记录"

    # The phone status page's answer to 立即同步 makes the same distinction.
    await page.goto("/phone")
    result = page.locator("[data-sync-result]")
    said_for = {"network": "现在没有信号", "unreachable": "服务器暂时连不上", "server_500": "服务器出了问题"}
    for problem, said in said_for.items():
        await page.evaluate(
            "p => document.dispatchEvent(new CustomEvent('louzu:synced', {detail: {ok: false, remaining: 2, problem: p}}))",
            problem,
        )
        await expect(result).to_contain_text("还有 2 条没有上传：" + said)


async def test_the_login_page_does_not_claim_entries_it_cannot_check(leader_page, handset, world, counted_server):
    """The issue's "20 条记录等待上传 when all 20 had already arrived": the entries' push went out,
    the server applied them, and the page was gone (a restart) before the answer came. Logged
    out, the phone cannot ask the server, and it used to count them as waiting."""
    page = leader_page
    household = world.households[2]
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{household.id}")
    await handset.set_offline(True)
    await save_visit(page, notes="已经到了的第一条")
    await save_visit(page, notes="已经到了的第二条")
    ids = sorted(entry["id"] for entry in await outbox(page))
    await hold_answers(counted_server, PUSH, True)
    try:
        await handset.set_offline(False)  # one push carries both; the server applies them
        await eventually(lambda: _count_is(household.id, 2))
        # The session ends and the page goes before any answer (the browser restarted).
        await handset.clear_cookies()
        await page.goto("/login")
        await expect(page.locator("[data-login-unconfirmed]")).to_have_text(
            "手机上有 2 条记录已经发出，还没有确认上传；登录后会自动核对，不会重复。")
        await expect(page.locator("[data-login-waiting]")).to_have_count(0)
        assert "等待上传" not in await page.locator("main").inner_text()
    finally:
        await hold_answers(counted_server, PUSH, False)

    await log_in(page, "leader01")
    await outbox_emptied(page)
    stored = await Visit.filter(household_id=household.id).values_list("id", flat=True)
    assert sorted(str(i) for i in stored) == ids, "each entry on the server exactly once"


async def _count_is(household_id: int, count: int) -> bool:
    return await Visit.filter(household_id=household_id).count() == count


async def test_the_offline_banner_goes_when_the_server_answers_again(leader_page, handset, world, counted_server):
    page = leader_page
    banner = page.locator("[data-offline-banner]")
    await log_in_ready(page, "leader01", world.users["leader01"].id)

    await go_offline(handset, counted_server)
    await page.goto("/")
    await expect(banner).to_contain_text("离线 · 数据更新于")
    await handset.set_offline(False)
    await expect(banner).to_be_hidden(timeout=20_000)

    # With signal, a server too slow for the page: the kept copy is shown, and not called 离线.
    await hold_answers(counted_server, "/", True)
    try:
        await page.goto("/")
        await expect(banner).to_contain_text("服务器没有及时回应，先显示手机上保存的页面 · 数据更新于")
        assert "离线" not in await banner.inner_text()
    finally:
        await hold_answers(counted_server, "/", False)


async def test_the_signal_coming_back_gives_up_a_hung_push_at_once(leader_page, handset, world, counted_server):
    """The issue's "switching the network off and on did nothing": a push sent before the
    signal went gets no answer, so the returning signal retries now, not after 30 s."""
    page = leader_page
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await page.goto(f"/households/{world.households[0].id}")
    already_pushed = len(await counted_server.pushed())
    await hold_answers(counted_server, PUSH, True)
    try:
        await save_visit(page, notes="网络断了又来")  # the real 30 s deadline
        await eventually(lambda: holding(counted_server))
        await handset.set_offline(True)
        await handset.set_offline(False)
        # Sent again within seconds, long before the deadline.
        await eventually(lambda: _pushed_twice(counted_server, already_pushed), timeout=10)
    finally:
        await hold_answers(counted_server, PUSH, False)
    await outbox_emptied(page)
    assert await notes_stored("网络断了又来") == 1


async def _pushed_twice(server: CountedServer, already: int) -> bool:
    return len((await server.pushed())[already:]) >= 2
