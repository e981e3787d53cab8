"""The roster spreadsheet's columns: their headers, which are required, and what each holds."""

from __future__ import annotations

import re

GROUP = "楼组"
GROUP_NAME = "楼组名称"
ADDRESS = "地址"
ROOM = "室号"
NAME = "姓名"
GENDER = "性别"
BIRTH_YEAR = "出生年份"
PHONE = "联系电话"
CARE_FLAGS = "关怀标记"
NOTES = "备注"
LEADER_NAME = "楼组长"
LEADER_ACCOUNT = "楼组长账号"

# The template's columns, in order (domain.md; the last two are optional leader accounts).
COLUMNS = (GROUP, GROUP_NAME, ADDRESS, ROOM, NAME, GENDER, BIRTH_YEAR, PHONE, CARE_FLAGS, NOTES,
           LEADER_NAME, LEADER_ACCOUNT)
REQUIRED = (GROUP, ADDRESS, ROOM, NAME, GENDER, BIRTH_YEAR)

# Headers people's own spreadsheets use for the same thing (matched after spaces are removed).
ALIASES = {
    "楼组号": GROUP, "楼组编号": GROUP, "组号": GROUP,
    "房号": ROOM, "房间号": ROOM, "室": ROOM,
    "出生年月": BIRTH_YEAR, "出生日期": BIRTH_YEAR, "出生年": BIRTH_YEAR,
    "电话": PHONE, "手机": PHONE, "手机号": PHONE, "手机号码": PHONE, "联系方式": PHONE, "电话号码": PHONE,
    "关怀类别": CARE_FLAGS, "关爱标记": CARE_FLAGS,
    "楼组长姓名": LEADER_NAME,
}

# Model limits (server/models/), so a too-long cell is a row problem, not a database error.

# A cell that says this clears 联系电话 or 备注 (an empty cell leaves the stored value alone).
CLEAR_WORD = "无"

# The template's second sheet: (column, required?, what goes in it, an example).
EXPLANATIONS = (
    (GROUP, "必填", "楼组编号，正整数。同一个楼组的每一行写同一个编号。", "16"),
    (GROUP_NAME, "可不填", "楼组的名称，通常是楼号，写在这个楼组的任意一行。不填时：新楼组用「地址」作名称，已有楼组的名称不变。",
     "天山路680弄16号"),
    (ADDRESS, "必填", "这一户的地址，不带室号。", "天山路680弄16号"),
    (ROOM, "必填", "室号。系统里的完整地址是「地址」加「室号」加「室」，例如 天山路680弄16号503室。", "503"),
    (NAME, "必填", "居民姓名。同一户里姓名和出生年份都一样的，算同一个人。", "张桂英"),
    (GENDER, "必填", "男 或 女。", "女"),
    (BIRTH_YEAR, "必填", "4 位年份，或者出生日期（如 1938-05-01、1938/5/1、1938年5月）。", "1938"),
    (PHONE, "可不填", "联系电话。不填：系统里原有的电话不变；写「无」：删去原有的电话。", "13812345678"),
    (CARE_FLAGS, "可不填",
     "关怀标记，只能写：高龄、独居、残疾、困难、慢病、重点关注，几个之间用顿号、逗号或空格隔开。"
     "这一格就是这个人的全部标记：空着表示没有标记（表格里没有这一列时，系统里的标记不变）。", "高龄、独居"),
    (NOTES, "可不填", "给上门走访的人看的提醒，每户一条；写在这一户的任意一行（几行都写就要写得一样）。"
     "不填：原有的备注不变；写「无」：删去原有的备注。", "按门铃两次"),
    (LEADER_NAME, "可不填", "这个楼组的楼组长姓名，写在这个楼组的任意一行（写了就要写「楼组长账号」）。几位楼组长用顿号隔开。",
     "王秀英"),
    (LEADER_ACCOUNT, "可不填",
     "楼组长登录用的账号名（字母、数字、下划线、连字符，3 到 50 个字符）。没有的账号会新建，"
     "由管理员打印登录卡给楼组长；已有的账号会分到这个楼组。导入不会把楼组长从楼组里去掉。", "wangxy"),
)

def limits() -> tuple[int, int]:
    """(MAX_BYTES, MAX_ROWS) as the package holds them now."""
    import server.roster_import as package

    return package.MAX_BYTES, package.MAX_ROWS


SEPARATORS = re.compile(r"[、,，;；/\s]+")
NAME_SEPARATORS = re.compile(r"[、,，;；/]+")  # a padded "王　秀英" is one name
