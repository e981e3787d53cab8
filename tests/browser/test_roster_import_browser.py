"""The roster import in Chromium on a laptop, through the real forms: a file with one bad row is
previewed with its row number and no confirm button, the corrected file is imported, the counts
show; a file over the limit gets the Chinese page, not a broken connection. axe-core finds nothing."""

from __future__ import annotations

from playwright.async_api import Page, expect

from server.models import AuditEvent, Resident
from tests.browser.conftest import assert_accessible

HEADER = "楼组,楼组名称,地址,室号,姓名,性别,出生年份,联系电话,关怀标记,备注"
GOOD = [
    "3,天山路700弄3号,天山路700弄3号,101,周桂芳,女,1941,13800000001,高龄、独居,按门铃两次",
    "3,天山路700弄3号,天山路700弄3号,101,周国平,男,1939,,高龄,",
    "3,天山路700弄3号,天山路700弄3号,202,吴丽娟,女,1956,,,",
]


def write_csv(path, rows) -> str:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


async def test_office_imports_the_roster_after_correcting_a_bad_row(office_page: Page, world, tmp_path):
    page = office_page
    await page.goto("/office/roster")
    await page.get_by_role("navigation", name="办公室功能").get_by_role("link", name="导入名单").click()
    await page.wait_for_url("**/office/roster/import")
    await expect(page.get_by_role("heading", name="导入居民名单")).to_be_visible()
    await assert_accessible(page)

    # One bad row: the second person's birth year. The preview names row 3 and offers no import.
    bad = [GOOD[0], GOOD[1].replace(",1939,", ",1890,"), GOOD[2]]
    await page.get_by_label("名单文件").set_input_files(write_csv(tmp_path / "名单.csv", bad))
    await page.get_by_role("button", name="上传并预览").click()
    await page.wait_for_url("**/office/roster/import")
    await expect(page.get_by_role("heading", name="导入预览")).to_be_visible()
    problem = page.locator("table.problems tbody tr").first
    await expect(problem.locator("td").nth(0)).to_have_text("3")
    await expect(problem.locator("td").nth(1)).to_have_text("出生年份")
    await expect(problem.locator("td").nth(2)).to_contain_text("1890")
    await expect(page.get_by_role("alert")).to_contain_text("不能导入")
    await expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    await assert_accessible(page)

    # The corrected file, uploaded from the preview: clean, counts, the confirm button.
    await page.get_by_label("名单文件").set_input_files(write_csv(tmp_path / "名单-改好.csv", GOOD))
    await page.get_by_role("button", name="上传并预览").click()
    await expect(page.get_by_role("button", name="确认导入")).to_be_visible()
    residents = page.locator("table.counts tbody tr", has_text="居民")
    await expect(residents.locator("td").first).to_have_text("3")
    await expect(page.locator(".change-lines")).to_contain_text("周桂芳")
    await assert_accessible(page)
    assert not await Resident.filter(name="周桂芳").exists()

    await page.get_by_role("button", name="确认导入").click()
    await page.wait_for_url("**/office/roster/import?imported=1*")
    await expect(page.get_by_role("status")).to_contain_text("新增 1 个楼组、2 户、3 人")
    await assert_accessible(page)
    assert await Resident.filter(name="周桂芳", community_id=world.community.id).exists()
    assert await AuditEvent.filter(action="roster_imported").count() == 1

    # A file over the limit: the upload page again with the reason, in Chinese.
    big = tmp_path / "太大.csv"
    big.write_bytes(b"x" * (25 * 1024 * 1024))
    await page.get_by_label("名单文件").set_input_files(str(big))
    await page.get_by_role("button", name="上传并预览").click()
    await expect(page.locator("#roster-file-error")).to_contain_text("文件太大了", timeout=30_000)
