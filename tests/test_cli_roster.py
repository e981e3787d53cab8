"""`louzu import-roster`, `export-roster` and `roster-template` run as real processes against a store
of their own (SQLite file, or a fresh PostgreSQL database under LOUZU_TEST_DB=postgres)."""

from __future__ import annotations


import pytest

from server.roster_import import COLUMNS, RosterFileError
from server.roster_import.reader import read_table
from tests.roster_files import person, xlsx
from tests.cli_process import base_env, louzu, own_store

COMMUNITY = "天山路测试居委"
GOOD = [
    person(16, group_name="天山路680弄16号", room="503", name="张桂英", year=1938, flags="高龄、独居",
           notes="按门铃两次", leader="王秀英", account="wangxy"),
    person(16, room="503", name="李建国", gender="男", year="1944-03-02"),
    person(17, address="天山路680弄18号", room="101", name="赵小明", gender="男", year=1985, phone="13812345678"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """An empty committee in a store of its own, as `migrate` and `createcommunity` leave it."""
    with own_store(tmp_path_factory.mktemp("cli-roster"), "cli_roster") as env:
        assert louzu(env, "migrate").returncode == 0
        assert louzu(env, "createcommunity", COMMUNITY, "--subdistrict", "天山路街道").returncode == 0
        yield env


def roster(store, tmp_path) -> list[dict]:
    """The committee's roster as `export-roster` writes it."""
    path = tmp_path / "export.xlsx"
    result = louzu(store, "export-roster", str(path), "--community", COMMUNITY)
    assert result.returncode == 0, result.stderr
    try:
        table = read_table(path.read_bytes())
    except RosterFileError:
        return []  # only the header: nobody imported yet
    return [dict(zip(COLUMNS, cells)) for _, cells in table.rows]


def test_template(tmp_path):
    path = tmp_path / "模板.xlsx"
    result = louzu({**base_env(tmp_path)}, "roster-template", str(path))
    assert result.returncode == 0 and "已写入名册模板" in result.stdout
    with pytest.raises(RosterFileError, match="只有列名"):
        read_table(path.read_bytes())


def test_a_bad_row_writes_nothing_and_exits_2(store, tmp_path):
    path = tmp_path / "有错.xlsx"
    path.write_bytes(xlsx(GOOD + [person(17, address="天山路680弄18号", room="102", name="孙丽", year=1890)]))
    for extra in ((), ("--dry-run",)):
        result = louzu(store, "import-roster", str(path), "--community", COMMUNITY, *extra)
        assert result.returncode == 2
        assert "第 5 行｜出生年份｜第 5 行「出生年份」写的是 1890，请检查。" in result.stdout
        assert "什么也没有写入" in result.stderr
    assert roster(store, tmp_path) == []


def test_a_refused_file_exits_2(store, tmp_path):
    path = tmp_path / "照片.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    result = louzu(store, "import-roster", str(path), "--community", COMMUNITY)
    assert result.returncode == 2 and "不是 Excel 表格或 CSV 文件" in result.stderr
    missing = louzu(store, "import-roster", str(path), "--community", "没有这个居委")
    assert missing.returncode == 2 and "找不到居委会" in missing.stderr
    assert roster(store, tmp_path) == []


def test_dry_run_then_import_then_again(store, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx(GOOD))
    dry = louzu(store, "import-roster", str(path), "--community", COMMUNITY, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "居民 / residents：新增 3，更新 0，不变 0" in dry.stdout and "没有写入" in dry.stdout
    assert "新增居民 张桂英（天山路680弄16号503室）" in dry.stdout
    assert roster(store, tmp_path) == []

    done = louzu(store, "import-roster", str(path), "--community", COMMUNITY)
    assert done.returncode == 0 and "已导入" in done.stdout
    rows = roster(store, tmp_path)
    assert [(r["楼组"], r["地址"], r["室号"], r["姓名"], r["出生年份"], r["楼组长账号"]) for r in rows] == [
        (16, "天山路680弄16号", "503", "张桂英", 1938, "wangxy"), (16, "天山路680弄16号", "503", "李建国", 1944, ""),
        (17, "天山路680弄18号", "101", "赵小明", 1985, ""),
    ]

    again = louzu(store, "import-roster", str(path), "--community", COMMUNITY)
    assert again.returncode == 0 and "0 项变化" in again.stdout


def test_export_edit_import_and_mark_missing_moved(store, tmp_path):
    exported = tmp_path / "导出.xlsx"
    assert louzu(store, "export-roster", str(exported), "--community", COMMUNITY).returncode == 0
    same = louzu(store, "import-roster", str(exported), "--community", COMMUNITY)
    assert same.returncode == 0 and "0 项变化" in same.stdout

    edited = tmp_path / "改过.xlsx"
    edited.write_bytes(xlsx([GOOD[0], person(16, room="503", name="李建国", gender="男", year=1944, phone="13900001111")]))
    result = louzu(store, "import-roster", str(edited), "--community", COMMUNITY, "--mark-missing-moved")
    assert result.returncode == 0, result.stderr
    assert "标记迁出 赵小明（天山路680弄18号101室）" in result.stdout and "电话 （空） → 13900001111" in result.stdout
    rows = roster(store, tmp_path)
    assert [(r["姓名"], r["联系电话"]) for r in rows] == [("张桂英", ""), ("李建国", "13900001111")]
