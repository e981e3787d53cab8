"""Browser fixtures: Debian's Chromium through Playwright (async API), a phone-sized context."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# The committee office's laptop.
LAPTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
# An ordinary phone; leaders use large system fonts, which the CSS must survive.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def phone(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A fresh phone: its own storage, cookies, service workers."""
    context = await browser.new_context(base_url=live_server, **PHONE)
    yield context
    await context.close()


@pytest.fixture
async def page(phone: BrowserContext) -> AsyncIterator[Page]:
    page = await phone.new_page()
    yield page


async def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: "/login" not in url)


_AXE = Axe()


async def assert_accessible(page: Page) -> None:
    """axe-core finds no violations on what the page shows now."""
    results = await _AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
async def laptop(browser, live_server) -> AsyncIterator[BrowserContext]:
    """A browser on the office's laptop, pointed at the live server."""
    context = await browser.new_context(base_url=live_server, **LAPTOP)
    yield context
    await context.close()


@pytest.fixture
async def office_page(laptop, world) -> AsyncIterator[Page]:
    """The office's laptop, logged in as the office."""
    page = await laptop.new_page()
    await log_in(page, "office")
    yield page
