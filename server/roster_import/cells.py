"""One cell -> one value of the roster (a year, a gender, care flags ...), or why it cannot be.

Each parser returns the value or raises CellError with the Chinese sentence after "第 N 行「列」".
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from server.accounts.service import USERNAME
from server.core import limits
from server.core.clock import local_now
from server.models import CareFlag
from server.office.households import household_address
from server.roster_import import columns as cols
from server.roster_import.reader import clean_text, plain_text
from sync.form_rules import MAX_NAME_CHARS, MAX_PHONE_CHARS
from sync.vocabulary import CARE_FLAG_WORDS

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 Feb 1900 that never was)
# Serial numbers below this (before 1927-05-18) are read as a mistyped year, not as a date: a
# cell "1890" must be reported as 1890, not turned into 1905.
FIRST_SERIAL = 10_000
FIRST_YEAR = 1900

FLAG_BY_WORD = {word: code for code, word in CARE_FLAG_WORDS.items()} | {flag.value: flag.value for flag in CareFlag}
FLAG_ORDER = [flag.value for flag in CareFlag]
FLAG_LIST = "、".join(CARE_FLAG_WORDS.values())

GENDERS = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F", "female": "F"}
GROUP_NUMBER = re.compile(r"第?\s*(\d+)\s*号?\s*(?:楼组|组)?")
YEAR_TEXT = re.compile(
    r"(\d{4})(?:年|\s*[-/.年]\s*\d{1,2}(?:\s*月|\s*[-/.月]\s*\d{1,2}\s*日?)?)?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
YEAR_LAST = re.compile(r"\d{1,2}/\d{1,2}/(\d{4})")  # 5/1/1938, as an English-locale Excel writes it
COMPACT_DATE = re.compile(r"(\d{4})(0[1-9]|1[0-2])(\d{2})")  # 19380501
SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
PHONE = re.compile(r"[0-9+\-() /,、;]+")


class CellError(Exception):
    """Why a cell cannot be read; the message follows "第 N 行「列」"."""


def this_year() -> int:
    return local_now().year


def _serial_year(serial: float) -> int:
    return (EXCEL_EPOCH + timedelta(days=int(serial))).year


def birth_year(value: Any) -> int:
    """A year, a date cell, an Excel serial number, or a date written as text."""
    now = this_year()
    shown = plain_text(value)
    if isinstance(value, datetime | date):
        year = value.year
    elif isinstance(value, bool):
        raise CellError(f"写的是「{shown}」，请写 4 位年份（如 1938）或出生日期。")
    elif isinstance(value, int | float):
        if not math.isfinite(value):
            raise CellError(f"写的是 {shown}，请检查。")
        if value == int(value) and FIRST_YEAR - 1000 < value <= now + 1000:
            year = int(value)  # a year, perhaps mistyped: reported as written
        elif FIRST_SERIAL <= value < 2_958_466:  # a date whose cell lost its date format
            year = _serial_year(value)
        else:
            raise CellError(f"写的是 {shown}，请检查。")
    else:
        text = shown
        if not text:
            raise CellError("没有填写。")
        if match := YEAR_TEXT.fullmatch(text) or COMPACT_DATE.fullmatch(text) or YEAR_LAST.fullmatch(text):
            year = int(match.group(1))
        elif SERIAL_TEXT.fullmatch(text):
            year = _serial_year(float(text))
        else:
            raise CellError(f"写的是「{text}」，请写 4 位年份（如 1938）或出生日期（如 1938-05-01）。")
    if not FIRST_YEAR <= year <= now:
        raise CellError(f"写的是 {shown}，请检查。")
    return year


def group_number(value: Any) -> int:
    text = plain_text(value)
    if not text:
        raise CellError("没有填写。")
    match = GROUP_NUMBER.fullmatch(text)
    if not match or not 0 < int(match.group(1)) <= limits.MAX_GROUP_NUMBER:
        raise CellError(f"写的是「{text}」，楼组要写编号（正整数，如 16）。")
    return int(match.group(1))


def gender(value: Any) -> str:
    text = plain_text(value)
    if not text:
        raise CellError("没有填写。")
    if text.lower() not in GENDERS:
        raise CellError(f"写的是「{text}」，只能写 男 或 女。")
    return GENDERS[text.lower()]


def required_text(value: Any, limit: int, *, squeeze: bool = False) -> str:
    """Text that must be there; `squeeze` drops inner spaces (addresses, rooms, Chinese names)."""
    text = clean_text(value)
    if squeeze:
        text = "".join(text.split())
    else:
        text = " ".join(text.split())
    if not text:
        raise CellError("没有填写。")
    if len(text) > limit:
        raise CellError(f"太长了（{len(text)} 个字），最多 {limit} 个字。")
    return text


def room_key(room: str) -> str:
    """503室 and 503 are the same room; the stored room has no 室."""
    room = "".join(room.split())
    return room[:-1] if room.endswith("室") and len(room) > 1 else room


def room(value: Any) -> str:
    text = room_key(required_text(value, 1000, squeeze=True))
    if len(text) > limits.MAX_ROOM_CHARS:
        raise CellError(f"太长了（{len(text)} 个字），最多 {limits.MAX_ROOM_CHARS} 个字。")
    return text


# 地址 + 室号 -> the stored address: one rule with the office's household forms.
full_address = household_address


def split_address(address: str, room: str, *, stored: bool = False) -> str:
    """The 地址 of a household: its full address without the room (what export writes).

    A file's 地址 loses only a room written the way the full address ends ("503室"); a stored
    address, which should end with its room, also loses a bare "503".
    """
    address, room = "".join(clean_text(address).split()), room_key(clean_text(room))
    tails = (full_address("", room), room) if stored else (full_address("", room),)
    for tail in tails:
        if room and address.endswith(tail) and len(address) > len(tail):
            return address[: -len(tail)]
    return address


def name_key(name: str) -> str:
    """A name as matched: "张　三" is padded to line up with three-character names; "Anna Li" keeps its space."""
    text = " ".join(clean_text(name).split())
    return text if re.search(r"[A-Za-z]", text) else text.replace(" ", "")


def person_name(value: Any) -> str:
    return required_text(name_key(clean_text(value)), MAX_NAME_CHARS)


def optional_text(value: Any, limit: int) -> str | None:
    """None: the cell is empty (leave the stored value alone); "": the cell says 无 (clear it).

    The text is kept as typed (line breaks, Chinese punctuation), only trimmed.
    """
    text = clean_text(value)
    if not text:
        return None
    if text == cols.CLEAR_WORD:
        return ""
    if len(text) > limit:
        raise CellError(f"太长了（{len(text)} 个字），最多 {limit} 个字。")
    return text


def phone(value: Any) -> str | None:
    text = optional_text(" ".join(plain_text(value).split()), MAX_PHONE_CHARS)
    if not text:
        return text
    digits = sum(ch.isdigit() for ch in text)
    if not PHONE.fullmatch(text) or digits < 5:
        raise CellError(f"写的是「{text}」，请检查（电话只能有数字、空格、+ 和 -）。")
    return text


def care_flags(value: Any) -> list[str]:
    """The full list of the resident's flags, in the model's order; an empty cell is no flags."""
    codes = set()
    text = plain_text(value)
    if text == cols.CLEAR_WORD:
        return []
    for word in cols.SEPARATORS.split(text):
        if not word:
            continue
        code = FLAG_BY_WORD.get(word) or FLAG_BY_WORD.get(word.lower())
        if code is None:
            raise CellError(f"里的「{word}」不是认得的标记，只能写：{FLAG_LIST}。")
        codes.add(code)
    return [code for code in FLAG_ORDER if code in codes]


def flag_words(codes: list[str]) -> str:
    return "、".join(CARE_FLAG_WORDS.get(code, code) for code in codes) or "无"


def names_list(value: Any) -> list[str]:
    return [name for word in cols.NAME_SEPARATORS.split(clean_text(value)) if (name := name_key(word))]


def same_text(stored: str | None, given: str) -> bool:
    """Whether a file's text says what is stored (as the file would show the stored value)."""
    return clean_text(stored) == given


def same_phone(stored: str | None, given: str) -> bool:
    try:
        return phone(stored) == given
    except CellError:
        return stored == given


def usernames(value: Any) -> list[str]:
    words = [word for word in cols.SEPARATORS.split(plain_text(value)) if word]
    for word in words:
        if not USERNAME.fullmatch(word):
            raise CellError(f"写的是「{word}」，账号只能用字母、数字、下划线和连字符，3 到 50 个字符。")
    return words
