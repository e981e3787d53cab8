"""Importing a roster into the store: preview, confirm, re-import, updates, moved residents, leader
accounts, the audit event, and one committee never touching another's rows (both stores)."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from server.auth.passwords import verify_password
from server.core.words import AUDIT_ACTION_WORDS
from server.models import (
    AuditEvent,
    BuildingGroup,
    Community,
    Household,
    Resident,
    ResidentStatus,
    Role,
    User,
    Visit,
    VisitResident,
)
from server.roster_import import (
    COLUMNS,
    RosterFileError,
    export_roster,
    import_roster,
    preview_roster,
    roster_template,
)
from server.roster_import.reader import read_table
from tests.factories import PASSWORD
from tests.office_factories import make_visit
from tests.roster_files import person, xlsx


async def dump() -> str:
    """Everything an import may write, and what it must never touch, in a stable order."""
    conn = Tortoise.get_connection("default")
    links = await conn.execute_query_dict("SELECT * FROM user_building_group ORDER BY 1, 2")
    return repr((
        await BuildingGroup.all().order_by("id").values(), await Household.all().order_by("id").values(),
        await Resident.all().order_by("id").values(), await User.all().order_by("id").values(),
        await Visit.all().order_by("id").values(), await VisitResident.all().order_by("id").values(),
        [sorted(row.items()) for row in links],
    ))


def world_rows(**changes) -> list[list]:
    """The world's committee (tests/factories.py) as roster rows, as its office would keep it."""
    rows = {
        "li": person(1, room="101", name="李建国", gender="男", year=1944, flags="高龄"),
        "wang": person(1, room="101", name="王美华", year=1950, flags="慢病"),
        "zhao": person(1, room="203", name="赵小明", gender="男", year=1985),
        "zhang": person(1, room="503", name="张桂英", year=1938, flags="高龄、独居", notes="按门铃两次"),
        "chen": person(2, address="天山路680弄18号", room="102", name="陈阿婆", year=1940, flags="高龄、残疾"),
        "sun": person(2, address="天山路680弄18号", room="301", name="孙丽", year=1990),
    }
    for key, row in changes.items():
        if row is None:
            del rows[key]
        else:
            rows[key] = row
    return list(rows.values())


async def test_the_world_imported_again_changes_nothing(world):
    content = xlsx(world_rows())
    before = await dump()
    preview = await preview_roster(world.community.id, content, "名册.xlsx")  # a community or its id
    assert preview.ok and preview.change_count == 0 and preview.changes == []
    assert (preview.rows, preview.missing, preview.residents.unchanged, preview.households.unchanged) == (6, 0, 6, 5)
    result = await import_roster(world.community, content, "名册.xlsx", actor=world.users["office"])
    assert result.imported and result.change_count == 0
    assert await dump() == before


async def test_first_import_into_an_empty_committee(world):
    new = await Community.create(name="新居委", subdistrict="天山路街道")
    content = xlsx(world_rows(
        zhang=person(1, room="503室", name="张桂英", year="1938-05-01", flags="高龄、独居", notes="按门铃两次",
                     group_name="天山路680弄16号", leader="王秀英", account="wangxy"),
    ))
    preview = await preview_roster(new, content, "名册.xlsx")
    assert preview.ok and not await BuildingGroup.filter(community=new).exists()  # a preview writes nothing
    counts = lambda p: [(c.created, c.updated, c.unchanged) for c in (p.groups, p.households, p.residents, p.leaders)]
    assert counts(preview) == [(2, 0, 0), (5, 0, 0), (6, 0, 0), (1, 0, 0)]
    assert "新增居民 张桂英（天山路680弄16号503室）" in preview.changes
    assert preview.change_count == 14

    result = await import_roster(new, content, "名册.xlsx", actor=None)
    assert result.imported and counts(result) == counts(preview)
    groups = await BuildingGroup.filter(community=new).order_by("number").values_list("number", "name")
    # Group 2 has no 楼组名称 in the file: a new group takes its first row's 地址.
    assert groups == [(1, "天山路680弄16号"), (2, "天山路680弄18号")]
    household = await Household.get(community=new, room="503")
    assert (household.address, household.visitor_notes) == ("天山路680弄16号503室", "按门铃两次")
    zhang = await Resident.get(community=new, name="张桂英")
    assert (zhang.household_id, zhang.gender, zhang.birth_year, zhang.care_flags, zhang.status) == (
        household.id, "F", 1938, ["age_80_plus", "lives_alone"], ResidentStatus.ACTIVE)
    leader = await User.get(username="wangxy").prefetch_related("building_groups")
    assert (leader.role, leader.community_id, leader.display_name) == (Role.LEADER, new.id, "王秀英")
    assert [g.number for g in leader.building_groups] == [1]
    assert not verify_password(leader.password_hash, "") and not verify_password(leader.password_hash, "!")

    again = await import_roster(new, content, "名册.xlsx")
    assert again.imported and again.change_count == 0 and again.leaders.unchanged == 1
    assert await Resident.filter(community=new).count() == 6


async def test_a_later_file_updates_what_changed(world):
    content = xlsx(world_rows(
        zhao=person(1, room="203", name="赵小明", gender="男", year=1985, phone="13812345678", flags="困难"),
        zhang=person(1, room="503", name="张桂英", year=1938, flags="独居", notes="请先打电话"),
        sun=person(2, address="天山路680弄18号", room="301", name="孙丽", year=1990, group_name="十八号楼"),
    ))
    preview = await import_roster(world.community, content, "名册.xlsx")
    assert preview.imported
    assert (preview.residents.updated, preview.households.updated, preview.groups.updated) == (2, 1, 1)
    assert preview.change_count == 4
    assert "居民 赵小明（天山路680弄16号203室）电话 （空） → 13812345678；关怀标记 无 → 困难" in preview.changes
    zhao, zhang = await Resident.get(id=world.residents["zhao"].id), await Resident.get(id=world.residents["zhang"].id)
    assert (zhao.phone, zhao.care_flags) == ("13812345678", ["hardship"])
    assert zhang.care_flags == ["lives_alone"]  # 关怀标记 is the whole list: 高龄 removed
    assert (await Household.get(id=world.households[2].id)).visitor_notes == "请先打电话"
    assert (await BuildingGroup.get(id=world.groups[1].id)).name == "十八号楼"

    # An empty 联系电话 / 备注 leaves them alone; 无 clears them.
    keep = xlsx(world_rows(zhang=person(1, room="503", name="张桂英", year=1938, flags="独居"),
                           zhao=person(1, room="203", name="赵小明", gender="男", year=1985, flags="困难")))
    assert (await import_roster(world.community, keep, "名册.xlsx")).change_count == 0
    clear = xlsx(world_rows(zhang=person(1, room="503", name="张桂英", year=1938, flags="独居", notes="无"),
                            zhao=person(1, room="203", name="赵小明", gender="男", year=1985, flags="困难", phone="无")))
    assert (await import_roster(world.community, clear, "名册.xlsx")).change_count == 2
    assert (await Resident.get(id=zhao.id)).phone is None
    assert (await Household.get(id=world.households[2].id)).visitor_notes == ""
    assert await Resident.filter(community=world.community).count() == 6  # never a duplicate


async def test_missing_residents_are_left_alone_unless_asked(world):
    zhao = world.residents["zhao"]
    visit = await make_visit(world, 1, residents=[zhao])
    content = xlsx(world_rows(zhao=None))
    before = await dump()
    preview = await import_roster(world.community, content, "名册.xlsx")
    assert (preview.missing, preview.moved_out, preview.change_count) == (1, 0, 0)
    assert await dump() == before

    preview = await import_roster(world.community, content, "名册.xlsx", mark_missing_moved=True)
    assert (preview.missing, preview.moved_out, preview.change_count) == (1, 1, 1)
    assert "标记迁出 赵小明（天山路680弄16号203室）" in preview.changes
    moved = await Resident.get(id=zhao.id)
    assert moved.status == ResidentStatus.MOVED  # marked, never deleted
    assert await VisitResident.filter(visit_id=visit.id, resident_id=zhao.id).exists()
    # The other committee's resident is not in this file, and is not this import's business.
    assert (await Resident.get(id=world.residents["other"].id)).status == ResidentStatus.ACTIVE

    # Back in a later file: active again, reported as updated, still one person with the visit.
    back = await import_roster(world.community, xlsx(world_rows()), "名册.xlsx")
    assert (back.residents.updated, back.residents.created) == (1, 0)
    assert "居民 赵小明（天山路680弄16号203室）重新登记为在住（原为已搬离）" in back.changes
    assert (await Resident.get(id=zhao.id)).status == ResidentStatus.ACTIVE
    assert await Resident.filter(community=world.community, name="赵小明").count() == 1
    assert (await Visit.get(id=visit.id)).resident_ids == [zhao.id]


async def test_a_deceased_resident_in_the_file_is_a_problem(world):
    await Resident.filter(id=world.residents["sun"].id).update(status=ResidentStatus.DECEASED)
    before = await dump()
    preview = await import_roster(world.community, xlsx(world_rows(zhao=person(1, room="203", name="赵小明",
                                                                               gender="男", year=1985, phone="110110"))),
                                  "名册.xlsx")
    assert not preview.imported and [(p.row, p.column) for p in preview.problems] == [(7, "")]
    assert "登记为已故" in preview.problems[0].message
    assert await dump() == before


async def test_any_bad_row_and_nothing_is_written(world):
    before = await dump()
    content = xlsx(world_rows(zhao=person(1, room="203", name="赵小明", gender="男", year=1890),
                              chen=person(9, room="888", name="新居民", year=1950)))
    preview = await import_roster(world.community, content, "名册.xlsx")
    assert not preview.imported and not preview.ok
    assert [(p.row, p.column, p.message) for p in preview.problems] == [
        (4, "出生年份", "第 4 行「出生年份」写的是 1890，请检查。")]
    assert preview.residents.created == 1  # what the good rows would do, shown beside the problem
    assert await dump() == before
    assert not await AuditEvent.filter(action="roster_imported").exists()


async def test_file_refusals_write_nothing(world):
    before = await dump()
    for content in (b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 100):
        with pytest.raises(RosterFileError):
            await import_roster(world.community, content, "名册.xlsx")
    assert await dump() == before


async def test_leader_accounts_from_the_file(world):
    rows = world_rows(
        li=person(1, room="101", name="李建国", gender="男", year=1944, flags="高龄", leader="王秀英", account="leader01"),
        chen=person(2, address="天山路680弄18号", room="102", name="陈阿婆", year=1940, flags="高龄、残疾",
                    leader="王秀英、新组长", account="LEADER01、new02"),
    )
    preview = await import_roster(world.community, xlsx(rows), "名册.xlsx")
    assert preview.imported and (preview.leaders.created, preview.leaders.updated) == (1, 1)
    leader01 = await User.get(username="leader01").prefetch_related("building_groups")
    assert sorted(g.number for g in leader01.building_groups) == [1, 2]
    assert verify_password(leader01.password_hash, PASSWORD)  # an existing account keeps its password
    new = await User.get(username="new02")
    assert (new.role, new.community_id, new.display_name, new.password_hash) == (
        Role.LEADER, world.community.id, "新组长", "!")
    exported = read_table(await export_roster(world.community))
    group_two = next(dict(zip(COLUMNS, cells)) for _, cells in exported.rows if cells[0] == 2)
    assert (group_two["楼组长账号"], group_two["楼组长"]) == ("leader01、leader02、new02", "王秀英、李国强、新组长")
    assert (await import_roster(world.community, await export_roster(world.community), "x.xlsx")).change_count == 0

    for taken in ("leader_other", "office"):  # another committee's leader; an office account
        before = await dump()
        bad = world_rows(sun=person(2, address="天山路680弄18号", room="301", name="孙丽", year=1990, account=taken))
        preview = await import_roster(world.community, xlsx(bad), "名册.xlsx")
        assert [(p.row, p.column) for p in preview.problems] == [(7, "楼组长账号")]
        assert "已被别的账号使用" in preview.problems[0].message and not preview.imported
        assert await dump() == before


async def test_one_audit_event_per_confirmed_import(world):
    office = world.users["office"]
    await preview_roster(world.community, xlsx(world_rows()), "名册.xlsx")
    assert not await AuditEvent.filter(action="roster_imported").exists()
    await import_roster(world.community, xlsx(world_rows(zhao=None)), "三月名册.xlsx", actor=office,
                        mark_missing_moved=True)
    event = await AuditEvent.get(action="roster_imported")
    assert (event.actor_id, event.community_id, event.target_type, event.target_id) == (
        office.id, world.community.id, "community", str(world.community.id))
    assert event.detail["filename"] == "三月名册.xlsx" and event.detail["moved_out"] == 1
    assert event.detail["residents"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert event.detail["rows"] == 5 and event.detail["changes"] == 1
    assert AUDIT_ACTION_WORDS["roster_imported"] == "导入名册"


async def test_a_committee_never_sees_or_writes_another_committees_rows(world):
    other_before = repr(await Resident.filter(community=world.other_community).values())
    # The same address as the other committee's household: here it is a household of this committee.
    content = xlsx(world_rows(sun=person(1, address="别处1号", room="101", name="外区居民", year=1940, flags="高龄")))
    preview = await import_roster(world.community, content, "名册.xlsx", mark_missing_moved=True)
    assert preview.imported and preview.households.created == 1 and preview.residents.created == 1
    assert preview.moved_out == 1  # 孙丽 of this committee, never the other committee's resident
    assert repr(await Resident.filter(community=world.other_community).values()) == other_before
    exported = read_table(await export_roster(world.community))
    names = [row[exported.headers["姓名"]] for _, row in exported.rows]
    assert names.count("外区居民") == 1 and "孙丽" not in names  # only this committee's active residents
    other = read_table(await export_roster(world.other_community))
    assert [row[other.headers["姓名"]] for _, row in other.rows] == ["外区居民"]


async def test_export_then_import_is_zero_changes(world):
    await make_visit(world, 0, residents=[world.residents["li"]])
    # Text as people type it: Chinese punctuation, a line break, full-width digits, a formula-like name.
    notes = "请先打电话，\n下午在家（周二除外）７点后"
    await Household.filter(id=world.households[0].id).update(visitor_notes=notes)
    await BuildingGroup.filter(id=world.groups[1].id).update(name="天山路680弄18号（东）")
    await Resident.filter(id=world.residents["sun"].id).update(name="=孙丽", phone="021-6543 2100")
    content = await export_roster(world.community)
    table = read_table(content)
    assert list(table.headers) == list(COLUMNS) and len(table.rows) == 6
    rows = [dict(zip(COLUMNS, cells)) for _, cells in table.rows]
    assert [(r["楼组"], r["地址"], r["室号"], r["姓名"]) for r in rows[:2]] == [
        (1, "天山路680弄16号", "101", "李建国"), (1, "天山路680弄16号", "101", "王美华")]
    # A group's name and leaders and a household's notes are on its first row only.
    assert (rows[0]["楼组名称"], rows[0]["楼组长账号"], rows[0]["楼组长"], rows[0]["备注"]) == (
        "天山路680弄16号", "leader01", "王秀英", notes)
    assert (rows[1]["楼组名称"], rows[1]["楼组长账号"], rows[1]["备注"]) == ("", "", "")
    assert ("=孙丽", "021-6543 2100") in [(r["姓名"], r["联系电话"]) for r in rows]
    before = await dump()
    preview = await import_roster(world.community, content, "导出.xlsx")
    assert preview.ok and preview.change_count == 0 and preview.leaders.unchanged == 2
    assert await dump() == before


async def test_template_has_the_columns_and_explains_them():
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_object(__import__("io").BytesIO(roster_template()))
    assert book.sheet_names == ["名册", "填写说明"]
    assert book.get_sheet_by_index(0).to_python()[0] == list(COLUMNS)
    explained = [row[0] for row in book.get_sheet_by_index(1).to_python()[1:len(COLUMNS) + 1]]
    assert explained == list(COLUMNS)
    with pytest.raises(RosterFileError, match="表格里只有列名，没有居民"):
        read_table(roster_template())
