"""Fixtures and steps shared by the offline browser tests: a server that counts what reaches
it, a fresh phone, and the leader's actions (log in, save a visit, go offline)."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LAPTOP, PHONE, log_in  # noqa: F401  (LAPTOP: for the tests that import it from here)
from tests.browser.offline_server import COUNTER_PATH
from tests.conftest import app_process

# Sync waits on backoff after a failed first try (testing.md): allow a few rounds of it.
SYNC_TIMEOUT_MS = 20_000


@dataclass
class CountedServer:
    url: str

    async def requests(self) -> int:
        async with httpx.AsyncClient() as client:
            return (await client.get(self.url + COUNTER_PATH)).json()["count"]

    async def paths(self) -> list[str]:
        async with httpx.AsyncClient() as client:
            return (await client.get(self.url + COUNTER_PATH)).json()["paths"]

    async def pushed(self) -> list[str]:
        """The id of every record every push carried to the server, in order."""
        async with httpx.AsyncClient() as client:
            return (await client.get(self.url + COUNTER_PATH)).json()["pushed"]


class InFlight:
    """The requests a phone (a browser context) has sent and not yet seen settle. A request that
    has finished was counted by the server (it counts on arrival, before answering); one that
    failed was cut by the offline switch; so once none is left from before a cut, nothing
    from before it can still reach the server."""

    def __init__(self, context: BrowserContext) -> None:
        self.open: set = set()
        self.settled = asyncio.Event()
        self.settled.set()
        context.on("request", self._sent)
        context.on("requestfinished", self._done)
        context.on("requestfailed", self._done)

    def _sent(self, request) -> None:
        self.open.add(request)
        self.settled.clear()

    def _done(self, request) -> None:
        self.open.discard(request)
        if not self.open:
            self.settled.set()


_IN_FLIGHT: weakref.WeakKeyDictionary[BrowserContext, InFlight] = weakref.WeakKeyDictionary()


async def go_offline(context: BrowserContext, server: CountedServer) -> int:
    """Cuts the phone's network and answers how many requests the server had seen by then:
    the count once every request the phone sent before the cut has settled. (The browser's
    checks for new worker code, which the emulation does not reach, are not counted at all:
    tests/browser/offline_server.py.)"""
    in_flight = _IN_FLIGHT[context]  # a phone from the `handset` fixture
    await context.set_offline(True)
    try:
        await asyncio.wait_for(in_flight.settled.wait(), SYNC_TIMEOUT_MS / 1000)
    except TimeoutError:
        raise AssertionError(f"requests still open after the cut: {[r.url for r in in_flight.open]}") from None
    return await server.requests()


@pytest.fixture(scope="session")
def counted_server(database) -> Iterator[CountedServer]:
    """The real app in its own uvicorn process, on the tests' store, counting requests."""
    with app_process("tests.browser.offline_server") as url:
        yield CountedServer(url)


@pytest.fixture
async def handset(browser: Browser, counted_server: CountedServer) -> AsyncIterator[BrowserContext]:
    """A fresh phone (own storage, cookies, service worker) talking to the counted server."""
    context = await browser.new_context(base_url=counted_server.url, **PHONE)
    _IN_FLIGHT[context] = InFlight(context)
    yield context
    await context.close()


@pytest.fixture
async def leader_page(handset: BrowserContext) -> Page:
    return await handset.new_page()


async def until(page: Page, script: str, arg=None, timeout: float = SYNC_TIMEOUT_MS / 1000) -> None:
    """Polls an async page function until it answers true (wait_for_function does not await
    a returned promise: it would take the promise itself for "true")."""
    deadline = time.monotonic() + timeout
    while not await page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        await asyncio.sleep(0.05)


async def eventually(check, timeout: float = SYNC_TIMEOUT_MS / 1000) -> None:
    """Polls an async check (e.g. a query of the store) until it answers true."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        await asyncio.sleep(0.05)


async def outbox_emptied(page: Page) -> None:
    """Waits until nothing at all is left in the phone's outbox."""
    await until(page, """() => LouzuOutbox.open().then(db => new Promise(done => {
      const r = db.transaction('outbox').objectStore('outbox').count(); r.onsuccess = () => done(r.result === 0); }))""")


async def ready_offline(page: Page, user_id: int | None = None) -> None:
    """Waits until the worker controls the page and has kept this user's pages."""
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=50)
    await until(
        page,
        "async (uid) => { const p = await LouzuOutbox.getMeta('pages');"
        " return !!p && (uid === null || p.user_id === uid); }",
        user_id,
    )


async def log_in_ready(page: Page, username: str, user_id: int) -> None:
    await log_in(page, username)
    await ready_offline(page, user_id)


async def save_visit(
    page: Page, *, kind: str = "日常走访", status: str = "一切安好", notes: str = "",
    residents: tuple[str, ...] = (), follow_up: bool = False, follow_up_due: str | None = None,
) -> None:
    """Fills and saves the visit form on the household page that is open."""
    form = page.locator('form[data-outbox-form="visit"]')
    await form.get_by_label(kind).check()
    for name in residents:
        await form.get_by_label(name, exact=True).check()
    await form.get_by_label(status).check()
    if notes:
        await form.get_by_label("情况说明", exact=False).fill(notes)
    if follow_up:
        await form.get_by_label("需要居委会跟进").check()
    if follow_up_due:
        await form.get_by_label("跟进期限", exact=False).fill(follow_up_due)
    saved_before = await page.evaluate("performance.getEntriesByName('louzu-outbox-save').length")
    await form.get_by_role("button", name="保存走访记录").click()
    await page.wait_for_function(
        "n => performance.getEntriesByName('louzu-outbox-save').length > n", arg=saved_before, polling=50
    )


async def saved_offline(page: Page, context: BrowserContext, world, notes: str) -> None:
    """leader01 logs in with signal, loses it, and saves a visit at their first household: an
    entry that waits in the outbox."""
    await log_in_ready(page, "leader01", world.users["leader01"].id)
    await context.set_offline(True)
    await page.goto(f"/households/{world.households[0].id}")
    await save_visit(page, notes=notes)


async def skip_phone_checks(page: Page) -> None:
    """The phone refuses a form the server would refuse before saving it (checks.js, with the
    rules of sync/form_rules.py that each form carries); to see what becomes of a record the
    server refuses, the open page's forms lose their rules."""
    await page.evaluate("() => document.querySelectorAll('form[data-rules]').forEach((f) => delete f.dataset.rules)")


async def submit_visit(page: Page, notes: str) -> None:
    """Saves a routine visit through the form without Playwright's actionability waits, which
    stall in a tab that is not in front (no animation frames there)."""
    saved_before = await page.evaluate("performance.getEntriesByName('louzu-outbox-save').length")
    await page.evaluate(
        """notes => { const form = document.querySelector('form[data-outbox-form="visit"]');
        form.querySelector('input[name=kind][value=routine]').checked = true;
        form.querySelector('input[name=status][value=ok]').checked = true;
        form.querySelector('textarea[name=notes]').value = notes;
        form.requestSubmit(); }""",
        notes,
    )
    await page.wait_for_function(
        "n => performance.getEntriesByName('louzu-outbox-save').length > n", arg=saved_before, polling=50
    )


async def pending(page: Page) -> str | None:
    return await page.locator("#sync-status").get_attribute("data-pending")


async def expect_pending(page: Page, count: int, timeout: int = SYNC_TIMEOUT_MS) -> None:
    await expect(page.locator("#sync-status")).to_have_attribute("data-pending", str(count), timeout=timeout)


async def outbox(page: Page) -> list[dict]:
    """Every entry in this phone's outbox, whoever saved it."""
    return await page.evaluate(
        "() => LouzuOutbox.open().then(db => new Promise((ok, fail) => {"
        " const r = db.transaction('outbox').objectStore('outbox').getAll();"
        " r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); }))"
    )


async def kept_urls(page: Page) -> list[str]:
    """Every URL in every cache of this phone."""
    return await page.evaluate(
        "async () => { const urls = []; for (const name of await caches.keys()) {"
        " const cache = await caches.open(name); for (const r of await cache.keys()) urls.push(name + ' ' + r.url); }"
        " return urls; }"
    )




async def sync_with_button(page: Page) -> None:
    """The leader presses 立即同步 on the phone status page and reads that it went through."""
    await page.goto("/phone")
    await page.get_by_role("button", name="立即同步").click()
    await expect(page.locator("[data-sync-result]")).to_contain_text("同步完成")


async def until_kept(page: Page, path: str, text: str) -> None:
    """Waits until the copy of `path` this phone keeps for offline use shows `text` (the pages
    are refreshed in the background after a sync)."""
    await until(
        page,
        """async ([path, text]) => { const s = await LouzuOutbox.session(); if (!s) return false;
        const cache = await caches.open(LouzuOutbox.pagesCacheName(s.user_id));
        const kept = await cache.match(new URL(path, location.origin).href);
        return !!kept && (await kept.text()).includes(text); }""",
        [path, text],
    )
