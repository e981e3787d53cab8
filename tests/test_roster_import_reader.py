"""Reading roster files: each format and encoding, what people's spreadsheets really hold, and the
files refused as a whole (no store needed: the reader and row checks are pure)."""

from __future__ import annotations

import datetime

import pytest

from server.roster_import import RosterFileError, columns
from server.roster_import.reader import read_table
from server.roster_import.rows import read_rows
from tests.roster_files import (
    HEADERS, csv_bytes, encrypted_office_file, lying_zip, person, xls, xlsx, zip_bomb,
)


def rows_of(content: bytes):
    rows, problems = read_rows(read_table(content, "名册"))
    return rows, problems


def refused(content: bytes) -> str:
    with pytest.raises(RosterFileError) as caught:
        read_table(content, "名册.xlsx")
    return str(caught.value)


def test_xlsx_as_people_keep_it():
    """Chinese headers, a date cell, a serial number, full-width digits, an extra column, an empty
    middle row, spaces around values: all read, and row numbers are the spreadsheet's own."""
    headers = HEADERS + ["籍贯"]
    content = xlsx([
        [16, "", "天山路680弄16号", "503", " 张桂英 ", "女", datetime.date(1938, 5, 1), "13812345678", "高龄、独居",
         "按门铃两次", "上海"],
        ["", "", "", "", "", "", "", "", "", "", ""],  # an empty row in the middle
        ["１６", "天山路680弄16号", "天山路６８０弄16号", "５０３", "李建国", "男", 14000, 13912345678.0, "", "", "江苏"],
    ], headers)
    table = read_table(content, "名册.xlsx")
    assert table.extra_columns == ["籍贯"]
    rows, problems = read_rows(table)
    assert problems == []
    first, second = rows
    assert (first.row, first.name, first.birth_year, first.care_flags, first.notes) == (
        2, "张桂英", 1938, ["age_80_plus", "lives_alone"], "按门铃两次")
    assert (second.row, second.group, second.room, second.birth_year, second.phone) == (4, 16, "503", 1938, "13912345678")
    assert second.address == "天山路680弄16号503室" and second.group_name == "天山路680弄16号"


def test_xls_from_older_excel_and_wps():
    rows, problems = rows_of(xls([person(year=1944, name="王美华", flags="慢病"), person(room="101", year="1950")]))
    assert problems == []
    assert [(r.row, r.name, r.birth_year, r.care_flags) for r in rows] == [
        (2, "王美华", 1944, ["chronic_illness"]), (3, "张桂英", 1950, [])]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_the_encodings_committees_use(encoding):
    content = csv_bytes([person(flags="高龄，独居"), person(name="赵小明", gender="男", year="1985-03-02")], encoding)
    rows, problems = rows_of(content)
    assert problems == []
    assert [(r.name, r.gender, r.birth_year, r.care_flags) for r in rows] == [
        ("张桂英", "F", 1938, ["age_80_plus", "lives_alone"]), ("赵小明", "M", 1985, [])]


def test_csv_saved_as_excel_unicode_text():
    """Excel's "Unicode text" is UTF-16 with tabs between the cells."""
    rows, problems = rows_of(csv_bytes([person()], "utf-16", delimiter="\t"))
    assert problems == [] and rows[0].name == "张桂英"


@pytest.mark.parametrize("written, year", [
    (1938, 1938), ("1938", 1938), ("1938年", 1938), ("1938年5月", 1938), ("1938年5月1日", 1938), ("1938-05-01", 1938),
    ("1938/5/1", 1938), ("1938.5", 1938), ("19380501", 1938), ("5/1/1938", 1938), ("1938-05-01 00:00:00", 1938),
    (14000, 1938), ("14000", 1938), (datetime.datetime(1938, 5, 1, 0, 0), 1938), ("１９３８", 1938),
])
def test_birth_year_written_every_way(written, year):
    rows, problems = rows_of(xlsx([person(year=written)]))
    assert problems == [] and rows[0].birth_year == year


@pytest.mark.parametrize("column, value, message", [
    (6, 1890, "第 2 行「出生年份」写的是 1890，请检查。"),
    (6, 2990, "第 2 行「出生年份」写的是 2990，请检查。"),
    (6, "三八年", "第 2 行「出生年份」写的是「三八年」，请写 4 位年份（如 1938）或出生日期（如 1938-05-01）。"),
    (6, "", "第 2 行「出生年份」没有填写。"),
    (0, "十六", "第 2 行「楼组」写的是「十六」，楼组要写编号（正整数，如 16）。"),
    (0, 0, "第 2 行「楼组」写的是「0」，楼组要写编号（正整数，如 16）。"),
    (5, "未知", "第 2 行「性别」写的是「未知」，只能写 男 或 女。"),
    (4, "", "第 2 行「姓名」没有填写。"),
    (4, "张" * 51, "第 2 行「姓名」太长了（51 个字），最多 50 个字。"),
    (2, "", "第 2 行「地址」没有填写。"),
    (3, "1" * 21, "第 2 行「室号」太长了（21 个字），最多 20 个字。"),
    (7, "找居委会", "第 2 行「联系电话」写的是「找居委会」，请检查（电话只能有数字、空格、+ 和 -）。"),
    (8, "高龄、孤老", "第 2 行「关怀标记」里的「孤老」不是认得的标记，只能写：高龄、独居、残疾、困难、慢病、重点关注。"),
    (11, "张 三", "第 2 行「楼组长账号」写的是「张」，账号只能用字母、数字、下划线和连字符，3 到 50 个字符。"),
])
def test_a_bad_cell_is_named_by_row_and_column(column, value, message):
    row = person()
    row[column] = value
    rows, problems = rows_of(xlsx([person(name="李建国"), row]))
    header = columns.COLUMNS[column]
    assert [(p.row, p.column, p.message) for p in problems] == [(3, header, message.replace("第 2 行", "第 3 行"))]
    assert [r.name for r in rows] == ["李建国"]  # a bad row is left out; the good ones are still read


def test_the_same_person_twice_names_both_rows():
    rows, problems = rows_of(xlsx([person(), person(name="李建国"), person(room="503室")]))
    assert [(p.row, p.column) for p in problems] == [(4, "")]
    assert problems[0].message == "第 4 行和第 2 行是同一个人（张桂英，1938 年生，天山路680弄16号503室），请删去其中一行。"


def test_rows_that_contradict_each_other():
    rows, problems = rows_of(xlsx([
        person(group_name="天山路680弄16号", notes="按门铃两次"),
        person(group=2, name="李建国"),  # the same household under another group
        person(name="王美华", group_name="十六号楼", notes="请先打电话"),
        person(group=3, room="101", name="赵小明", account="zhao01"),
        person(group=3, room="102", name="孙丽", account="sun01"),
    ]))
    assert [(p.row, p.column) for p in problems] == [(3, "楼组"), (4, "楼组名称"), (4, "备注"), (6, "楼组长账号")]
    assert "同一户只能属于一个楼组" in problems[0].message and "第 2 行写的是楼组 1" in problems[0].message


def test_room_and_address_are_not_doubled():
    rows, _ = rows_of(xlsx([person(room="503室"), person(address="天山路680弄16号503室", name="李建国"),
                            person(room="亭子间", name="王美华")]))
    assert [r.address for r in rows] == ["天山路680弄16号503室", "天山路680弄16号503室", "天山路680弄16号亭子间"]
    assert [r.room for r in rows] == ["503", "503", "亭子间"]


def test_empty_optional_cells_and_the_clearing_word():
    rows, problems = rows_of(xlsx([person(phone="无", notes="无", flags="无"), person(name="李建国")]))
    assert problems == []
    assert (rows[0].phone, rows[0].notes, rows[0].care_flags) == ("", "", [])
    assert (rows[1].phone, rows[1].notes, rows[1].care_flags) == (None, None, [])


def test_without_the_care_flag_column_flags_are_not_read():
    headers = [h for h in HEADERS if h != "关怀标记"]
    rows, _ = rows_of(csv_bytes([[1, "", "天山路680弄16号", "503", "张桂英", "女", 1938, "", ""]], headers=headers))
    assert rows[0].care_flags is None


def test_header_under_a_title_row_and_header_aliases():
    content = xlsx([["天山路第一居民区实有人口台账"], ["楼组号", "地址", "房号", "姓 名", "性别", "出生日期", "手机"],
                    [16, "天山路680弄16号", 503, "张桂英", "女", "1938-05-01", 13812345678]], raw=True)
    rows, problems = rows_of(content)
    assert problems == [] and rows[0].row == 3 and rows[0].phone == "13812345678"


def test_leaders_from_the_same_file():
    rows, problems = rows_of(xlsx([person(leader="王秀英、李国强", account="wangxy, ligq")]))
    assert problems == [] and rows[0].leaders == [("wangxy", "王秀英"), ("ligq", "李国强")]
    _, problems = rows_of(xlsx([person(leader="王秀英")]))
    assert [(p.row, p.column) for p in problems] == [(2, "楼组长账号")]


# ------------------------------------------------------------------ whole files refused


def test_refused_empty_file():
    assert refused(b"") == "文件是空的，请选择填好的名册表格。"
    assert refused(b"  \r\n") == "文件是空的，请选择填好的名册表格。"


def test_refused_renamed_picture_and_pdf():
    png = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + b"\0" * 200
    assert "不是 Excel 表格或 CSV 文件" in refused(png)
    assert "不是 Excel 表格或 CSV 文件" in refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")


def test_refused_word_document_renamed():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "不是 Excel 表格或 CSV 文件" in refused(out.getvalue())


def test_refused_zip_bomb():
    assert "解压后异常巨大" in refused(zip_bomb())


def test_refused_zip_that_lies_about_its_size():
    assert "文件已损坏" in refused(lying_zip(xlsx([person()])))


def test_refused_password_protected():
    assert refused(encrypted_office_file()) == "文件设置了密码，系统打不开。请在 Excel 或 WPS 里去掉密码后另存，再导入。"


def test_refused_ole2_file_calamine_cannot_read():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000
    assert "文件已损坏" in refused(content)


def test_refused_over_size(monkeypatch):
    monkeypatch.setattr(columns, "MAX_BYTES", 1024 * 1024)
    content = csv_bytes([person(name=f"居民{i}", notes="按门铃两次" * 10) for i in range(8000)])
    assert len(content) > 1024 * 1024
    assert refused(content) == f"文件太大了（{len(content) / 1024 / 1024:.1f} MB），最多 1 MB。请分成几个文件导入。"


def test_refused_over_rows(monkeypatch):
    monkeypatch.setattr(columns, "MAX_ROWS", 3)
    message = refused(csv_bytes([person(name=f"居民{i}") for i in range(4)]))
    assert message == "表格超过 3 行，太多了。请分成几个文件导入。"
    assert len(read_table(csv_bytes([person(name=f"居民{i}") for i in range(3)])).rows) == 3


def test_refused_missing_headers_named():
    headers = ["楼组", "姓名", "性别", "出生年份"]
    assert refused(csv_bytes([[1, "张桂英", "女", 1938]], headers=headers)) == (
        "表格第 1 行缺少这些列：地址、室号。请使用名册模板的列名。")
    assert "没有找到名册的列名" in refused("随便写的一段话\n另一行\n".encode())


def test_refused_header_twice():
    assert "「姓名」这一列出现了两次" in refused(csv_bytes([person() + ["x"]], headers=list(columns.COLUMNS) + ["姓名"]))


def test_refused_header_only():
    assert refused(xlsx([])) == "表格里只有列名，没有居民。请填好名册后再导入。"


def test_refused_undecodable_csv():
    assert refused(bytes([0x80, 0x81, 0xFE, 0xFF, 0x90]) * 50).startswith("读不出这个 CSV 文件的文字编码")
