"""The login page renders in Chromium on a phone and passes axe-core."""

from tests.browser.conftest import assert_accessible


async def test_login_page_is_accessible(page, db):
    await page.goto("/login")
    assert await page.get_by_role("heading", name="登录楼组通").is_visible()
    await assert_accessible(page)
