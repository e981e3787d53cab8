"""Fixtures and steps shared by the offline browser tests: a server that counts what reaches
it, a fresh phone, and the leader's actions (log in, save a visit, go offline)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LAPTOP, PHONE, log_in  # noqa: F401  (LAPTOP: for the tests that import it from here)
from tests.browser.offline_server import COUNTER_PATH

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


async def go_offline(context: BrowserContext, server: CountedServer) -> int:
    """Cuts the phone's network and answers how many requests the server had seen by then.

    The browser sends requests of its own (a worker update check a second after a page load);
    one sent just before the cut may still be on its way, so the count is taken once the
    server has heard nothing for a moment."""
    await context.set_offline(True)
    count, quiet_since = await server.requests(), time.monotonic()
    while time.monotonic() - quiet_since < 0.3:
        await asyncio.sleep(0.05)
        now = await server.requests()
        if now != count:
            count, quiet_since = now, time.monotonic()
    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def counted_server(database) -> Iterator[CountedServer]:
    """The real app in its own uvicorn process, on the tests' store, counting requests."""
    port = _free_port()
    log_path = Path(os.environ["DATA_DIR"]) / "offline-server.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.offline_server", "--port", str(port)],
        env={**os.environ}, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("offline test server did not start: " + log_path.read_text())
            time.sleep(0.1)
    yield CountedServer(f"http://127.0.0.1:{port}")
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
async def handset(browser: Browser, counted_server: CountedServer) -> AsyncIterator[BrowserContext]:
    """A fresh phone (own storage, cookies, service worker) talking to the counted server."""
    context = await browser.new_context(base_url=counted_server.url, **PHONE)
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
