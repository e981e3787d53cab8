"""The office's roster import pages: upload -> preview (nothing written) -> confirm (once), the
template and the export, refusals as Chinese pages, and who may do it."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from server.models import AuditEvent, BuildingGroup, Household, Resident, RosterUpload, User
from server.roster_import import COLUMNS, RosterPreview, RowProblem
from server.roster_import.screens import COLUMN_GUIDE
from tests.page_text import text_of

HEADER = "楼组,楼组名称,地址,室号,姓名,性别,出生年份,联系电话,关怀标记,备注"
# A new building group of the test committee: one group, two households, three residents.
ROWS = [
    "3,天山路700弄3号,天山路700弄3号,101,周桂芳,女,1941,13800000001,高龄、独居,按门铃两次",
    "3,天山路700弄3号,天山路700弄3号,101,周国平,男,1939,,高龄,",
    "3,天山路700弄3号,天山路700弄3号,202,吴丽娟,女,1956,,,",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster_csv(rows=ROWS, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def count_row(html: str, label: str) -> list[str]:
    """The created / updated / unchanged cells of one row of the preview's counts table."""
    row = re.search(rf"<th scope=\"row\">{label}</th>((?:<td[^>]*>\d+</td>){{3}})", html)
    assert row, f"no counts row for {label}"
    return re.findall(r">(\d+)<", row.group(1))


def confirm_action(html: str) -> str | None:
    found = re.search(r'action="(/office/roster/import/\d+/confirm)"', html)
    return found.group(1) if found else None


@pytest.fixture
async def people(world, clients):
    return await clients.login_all("office", "admin", "leader01", "office_other"), clients.csrf


async def upload(people, content: bytes, filename: str = "名单.csv", who: str = "office", mark: bool = False):
    clients, csrf = people
    data = {"_csrf": csrf[who]} | ({"mark_missing_moved": "1"} if mark else {})
    return await clients[who].post("/office/roster/import", data=data, files={"file": (filename, content)})


async def confirm(people, action: str, who: str = "office"):
    clients, csrf = people
    return await clients[who].post(action, data={"_csrf": csrf[who]})


async def roster_size() -> tuple[int, int, int]:
    return await BuildingGroup.all().count(), await Household.all().count(), await Resident.all().count()


# --- the upload page -----------------------------------------------------------------------

async def test_the_import_page_explains_the_columns_and_links_the_template(world, people):
    clients, _ = people
    response = await clients["office"].get("/office/roster/import")
    assert response.status_code == 200
    page = text_of(response.text)
    assert 'accept=".xlsx,.xls,.csv"' in response.text and 'enctype="multipart/form-data"' in response.text
    assert 'href="/office/roster/template.xlsx"' in response.text
    assert "名单里没有的居民标记为迁出" in page and "系统里什么都不会改" in page
    for column in COLUMNS:
        assert f'<th scope="row">{column}</th>' in response.text
    # Linked from the office navigation and from the roster page.
    assert 'href="/office/roster/import" aria-current="page"' in response.text
    assert 'href="/office/roster/import"' in (await clients["office"].get("/office/roster")).text


async def test_the_pages_speak_english_to_an_english_user(world, people):
    await User.filter(username="office").update(locale="en")
    response = await upload(people, roster_csv())
    assert "Import preview" in response.text and "Confirm import" in response.text
    page = text_of((await people[0]["office"].get("/office/roster/import")).text)
    assert "Upload and preview" in page and "at most 20 MB" in page


def test_every_template_column_is_explained():
    assert set(COLUMNS) <= set(COLUMN_GUIDE)


# --- preview ---------------------------------------------------------------------------------

async def test_a_clean_csv_previews_the_counts_and_writes_nothing(world, people):
    before = await roster_size()
    response = await upload(people, roster_csv())
    assert response.status_code == 200, response.text
    html = response.text
    assert count_row(html, "楼组")[0] == "1"
    assert count_row(html, "住户")[0] == "2"
    assert count_row(html, "居民")[0] == "3"
    page = text_of(html)
    assert "新增居民 周桂芳" in page
    # Unticked: the committee's six residents missing from the file are left alone, and said so.
    assert "名单里没有的在住居民：6 人，保持原样" in page
    assert confirm_action(html)
    assert await roster_size() == before
    stored = await RosterUpload.get()
    assert (stored.community_id, stored.filename, stored.size) == (world.community.id, "名单.csv", len(roster_csv()))
    assert stored.uploaded_by_id == world.users["office"].id and stored.imported_at is None
    assert stored.mark_missing_moved is False and len(stored.sha256) == 64


async def test_an_xlsx_previews_like_the_csv_and_names_the_extra_columns(world, people):
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER.split(","), "身份证后四位"])
    for row in ROWS:
        sheet.append([int(c) if c.isdigit() and len(c) == 4 else c for c in row.split(",")] + ["1234"])
    out = io.BytesIO()
    book.save(out)
    response = await upload(people, out.getvalue(), "居民名单.xlsx")
    assert response.status_code == 200, response.text
    assert count_row(response.text, "居民")[0] == "3"
    assert "身份证后四位" in text_of(response.text)
    assert confirm_action(response.text)


async def test_ticking_mark_missing_moved_previews_who_will_be_marked(world, people):
    response = await upload(people, roster_csv(), mark=True)
    assert response.status_code == 200
    assert "名单里没有的在住居民：6 人，会标记为迁出" in text_of(response.text)
    assert (await RosterUpload.get()).mark_missing_moved is True
    assert 'id="mark-missing-moved"' not in response.text  # no second form on a clean preview


async def test_a_bad_row_is_shown_with_its_row_number_and_nothing_is_kept(world, people):
    before = await roster_size()
    rows = [ROWS[0], ROWS[1].replace(",1939,", ",1890,"), ROWS[2]]
    response = await upload(people, roster_csv(rows))
    assert response.status_code == 400
    html = response.text
    problems = re.search(r'<table class="data problems">(.*?)</table>', html, re.S)
    assert problems, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", problems.group(1))
    assert cells[:2] == ["3", "出生年份"] and "1890" in cells[2]  # header is row 1: the second person is row 3
    assert confirm_action(html) is None
    assert "请在 Excel 或 WPS 里改正下面列出的行，保存后重新上传" in text_of(html)
    assert 'action="/office/roster/import"' in html  # upload the corrected file from here
    assert await roster_size() == before
    assert not await RosterUpload.exists()


# --- confirm ---------------------------------------------------------------------------------

async def test_confirm_imports_once_with_one_audit_event(world, people):
    before = await roster_size()
    action = confirm_action((await upload(people, roster_csv())).text)
    response = await confirm(people, action)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/office/roster/import?imported=1")
    assert await roster_size() == (before[0] + 1, before[1] + 2, before[2] + 3)
    assert await Resident.filter(name="周桂芳", birth_year=1941, community_id=world.community.id).exists()
    events = await AuditEvent.filter(action="roster_imported")
    assert len(events) == 1 and events[0].actor_id == world.users["office"].id
    assert events[0].community_id == world.community.id
    stored = await RosterUpload.get()
    assert stored.imported_at is not None and stored.content == b""  # the bytes are not kept once imported

    clients, _ = people
    page = text_of((await clients["office"].get(location)).text)
    assert "已导入。 新增 1 个楼组、2 户、3 人" in page

    # A second click (or the back button) does not import again.
    again = await confirm(people, action)
    assert again.status_code == 303 and again.headers["location"] == "/office/roster/import?done=already"
    assert "这个文件已经导入过了" in text_of((await clients["office"].get(again.headers["location"])).text)
    assert await roster_size() == (before[0] + 1, before[1] + 2, before[2] + 3)
    assert await AuditEvent.filter(action="roster_imported").count() == 1

    # The same file once more: nothing to do, and no confirm button.
    same = await upload(people, roster_csv())
    assert same.status_code == 200
    assert "0 项变化，名单和系统里的一致" in text_of(same.text) and confirm_action(same.text) is None
    # Storing nothing new also cleared nothing; the imported row stays until the next stored upload.
    assert await RosterUpload.all().count() == 1


async def test_a_new_upload_clears_old_and_imported_uploads(world, people):
    action = confirm_action((await upload(people, roster_csv())).text)
    await confirm(people, action)
    await upload(people, roster_csv(ROWS[:1]), "stale.csv")  # nothing new in it: not stored
    stale = await RosterUpload.create(
        community=world.other_community, filename="old.csv", content=b"x", sha256="0" * 64, size=1,
    )
    await RosterUpload.filter(id=stale.id).update(created_at=datetime.now(timezone.utc) - timedelta(days=2))
    fresh = await upload(people, roster_csv([ROWS[0].replace("1941", "1942")]))
    assert confirm_action(fresh.text)
    assert [u.filename for u in await RosterUpload.all()] == ["名单.csv"]
    assert (await RosterUpload.get()).imported_at is None


async def test_an_upload_older_than_a_day_is_not_imported(world, people):
    before = await roster_size()
    action = confirm_action((await upload(people, roster_csv())).text)
    await RosterUpload.all().update(created_at=datetime.now(timezone.utc) - timedelta(days=1, minutes=1))
    response = await confirm(people, action)
    assert response.headers["location"] == "/office/roster/import?done=expired"
    assert await roster_size() == before and not await RosterUpload.exists()


async def test_when_the_file_has_problems_at_confirm_time_nothing_is_written(world, people, monkeypatch):
    # The roster changed between preview and confirm (e.g. another import): the importer now
    # reports a problem and writes nothing; the page shows it and the upload may be tried again.
    async def importer_finds_a_problem(community, content, filename, **_):
        problem = RowProblem(row=2, column="室号", message="第 2 行「室号」和系统里的住户冲突，请检查。")
        return RosterPreview(filename=filename, rows=3, problems=[problem])

    action = confirm_action((await upload(people, roster_csv())).text)
    before = await roster_size()
    monkeypatch.setattr("server.roster_import.routes.import_roster", importer_finds_a_problem)
    response = await confirm(people, action)
    assert response.status_code == 400
    assert "上传以后居民名册有了变化" in text_of(response.text) and "和系统里的住户冲突" in response.text
    assert confirm_action(response.text) is None
    assert await roster_size() == before and (await RosterUpload.get()).imported_at is None


# --- refusals --------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)


@pytest.mark.parametrize(("content", "filename"), [(b"", "名单.csv"), (PNG, "名单.xlsx")], ids=["empty", "renamed-png"])
async def test_a_refused_file_gives_the_upload_page_with_the_reason(world, people, content, filename):
    before = await roster_size()
    response = await upload(people, content, filename)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    message = re.search(r'<p class="field-error" id="roster-file-error">(.+?)</p>', response.text)
    assert message and re.search(r"[\u4e00-\u9fff]", message.group(1))
    assert 'aria-describedby="roster-file-error"' in response.text
    assert await roster_size() == before and not await RosterUpload.exists()


async def test_no_file_chosen_is_said_next_to_the_field(world, people):
    clients, csrf = people
    response = await clients["office"].post(
        "/office/roster/import", data={"_csrf": csrf["office"], "mark_missing_moved": "1"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "请先选择要导入的名单文件" in response.text
    assert re.search(r'<input type="checkbox" id="mark-missing-moved"[^>]* checked>', response.text)  # kept ticked
    assert not await RosterUpload.exists()


async def test_a_five_megabyte_file_is_read_and_a_too_large_one_gets_a_chinese_page(world, people):
    # The app refuses bodies over 1 MiB; this route takes files up to the importer's 20 MB.
    # Padding in ignored extra columns, each cell under the 128 KiB a CSV field may hold.
    extra = [f"附注{n}" for n in range(18)]
    padding = ",".join("x" * 100_000 for _ in extra)
    big = roster_csv([f"{row},{padding}" for row in ROWS], ",".join([HEADER, *extra]))
    assert 5 * 1024 * 1024 < len(big) < 6 * 1024 * 1024
    response = await upload(people, big, "大名单.csv")
    assert response.status_code == 200, text_of(response.text)[:500]
    assert count_row(response.text, "居民")[0] == "3"

    too_big = b"x" * (25 * 1024 * 1024)
    response = await upload(people, too_big, "太大.csv")
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "文件太大了：最多 20 MB" in text_of(response.text)
    assert 'action="/office/roster/import"' in response.text
    assert not await RosterUpload.filter(filename="太大.csv").exists()


# --- downloads -------------------------------------------------------------------------------

async def test_the_template_downloads_with_a_chinese_filename(world, people):
    clients, _ = people
    response = await clients["office"].get("/office/roster/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "居民名册模板.xlsx"
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    headers = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert tuple(h for h in headers if h) == tuple(COLUMNS)
    assert len(book.worksheets) >= 2  # the second sheet explains the columns


async def test_the_export_has_our_residents_in_the_template_columns_and_is_audited(world, people):
    clients, _ = people
    response = await clients["office"].get("/office/roster/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX and response.headers["cache-control"] == "no-store"
    assert "居民名册-" in unquote(response.headers["content-disposition"])
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(h for h in rows[0] if h) == tuple(COLUMNS)
    names = {row[COLUMNS.index("姓名")] for row in rows[1:]}
    assert {"张桂英", "李建国"} <= names and "外区居民" not in names
    event = await AuditEvent.get(action="roster_exported")
    assert event.actor_id == world.users["office"].id and event.community_id == world.community.id
    # Exported, edited nowhere, imported again: nothing to change.
    again = await upload(people, response.content, "导出.xlsx")
    assert "0 项变化" in text_of(again.text), text_of(again.text)[:800]


# --- who may ---------------------------------------------------------------------------------

async def test_a_leader_is_refused_everywhere(world, people):
    clients, csrf = people
    leader = clients["leader01"]
    for path in ("/office/roster/import", "/office/roster/template.xlsx", "/office/roster/export.xlsx"):
        assert (await leader.get(path)).status_code == 403, path
    assert (await upload(people, roster_csv(), who="leader01")).status_code == 403
    action = confirm_action((await upload(people, roster_csv())).text)
    assert (await confirm(people, action, who="leader01")).status_code == 403
    # A leader sending a too-large body is refused as a leader, not shown the office's page.
    response = await upload(people, b"x" * (25 * 1024 * 1024), who="leader01")
    assert response.status_code == 403 and "文件太大" not in response.text
    assert not await AuditEvent.filter(action__in=["roster_imported", "roster_exported"]).exists()


async def test_another_committees_office_cannot_confirm_our_upload(world, people):
    before = await roster_size()
    action = confirm_action((await upload(people, roster_csv())).text)
    assert (await confirm(people, action, who="office_other")).status_code == 404
    assert await roster_size() == before and (await RosterUpload.get()).imported_at is None
    # Its own export holds none of our residents; our admin may confirm (same committee).
    clients, _ = people
    theirs = load_workbook(io.BytesIO((await clients["office_other"].get("/office/roster/export.xlsx")).content))
    assert "张桂英" not in {c for row in theirs.worksheets[0].iter_rows(values_only=True) for c in row}
    assert (await confirm(people, action, who="admin")).status_code == 303
    assert (await AuditEvent.get(action="roster_imported")).actor_id == world.users["admin"].id


async def test_an_import_that_fails_leaves_the_upload_to_be_confirmed_again(world, people, monkeypatch):
    from server.roster_import import RosterFileError, import_roster

    async def someone_else_wrote_at_the_same_time(*args, **kwargs):
        raise RosterFileError("名册刚被别人同时修改了，这次没有导入任何内容。请重新导入。")

    action = confirm_action((await upload(people, roster_csv())).text)
    before = await roster_size()
    monkeypatch.setattr("server.roster_import.routes.import_roster", someone_else_wrote_at_the_same_time)
    response = await confirm(people, action)
    assert response.status_code == 400 and "名册刚被别人同时修改了" in response.text
    assert await roster_size() == before and (await RosterUpload.get()).imported_at is None
    monkeypatch.setattr("server.roster_import.routes.import_roster", import_roster)
    assert (await confirm(people, action)).status_code == 303
    assert await roster_size() == (before[0] + 1, before[1] + 2, before[2] + 3)


async def test_two_confirms_at_once_import_once(world, people):
    import asyncio

    action = confirm_action((await upload(people, roster_csv())).text)
    before = await roster_size()
    first, second = await asyncio.gather(confirm(people, action), confirm(people, action, who="admin"))
    locations = sorted(r.headers["location"] for r in (first, second))
    assert locations[0] == "/office/roster/import?done=already"
    assert locations[1].startswith("/office/roster/import?imported=1")
    assert await roster_size() == (before[0] + 1, before[1] + 2, before[2] + 3)
    assert await AuditEvent.filter(action="roster_imported").count() == 1
