"""The audit log in words: each event's object and details as staff read them, never codes.

Every piece is a `Part` (server/core/words.py): a msgid the template translates, or data (a name,
a comment, a date) shown as it is.
Details keep their stored codes (the record stays exact); only the screen puts words on them.
An action added later without words here is still shown, its keys as stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.accounts.device_names import device_words
from server.core.words import (
    GENDER_WORDS,
    OFFICE_REVIEW_WORDS,
    QUESTION_STATE_WORDS,
    RESIDENT_FIELD_WORDS,
    RESIDENT_STATUS_WORDS,
    ROLE_WORDS,
    Part,
    data,
    word,
)
from server.models import AuditEvent, User
from sync.vocabulary import (
    CARE_FLAG_WORDS,
    N_,
    ROSTER_CHANGE_WORDS,
    VISIT_KIND_WORDS,
    VISIT_STATUS_WORDS,
)

TARGET_WORDS = {
    "visit": N_("走访记录"), "user": N_("账号"), "session": N_("设备"), "sign_in_card": N_("登录卡"),
    "household": N_("住户"), "resident": N_("居民"), "building_group": N_("楼组"), "community": N_("居委会"),
    "roster_change": N_("名册变化"), "question": N_("补充问题"),
}
KEY_WORDS = {
    "username": N_("用户名"), "role": N_("角色"), "building_groups": N_("楼组"), "password_set": N_("设了密码"),
    "display_name": N_("姓名"), "sessions_ended": N_("退出登录的设备"), "sessions_revoked": N_("注销的设备"),
    "user_id": N_("账号"), "device_label": N_("设备"), "card_id": N_("登录卡编号"), "expires_at": N_("有效期至"),
    "replaced_card_ids": N_("作废的旧卡"), "via": N_("方式"), "session_id": N_("设备编号"), "state": N_("状态"),
    "filename": N_("文件名"), "sha256": N_("文件指纹"), "rows": N_("行数"), "size": N_("大小（字节）"),
    "changes": N_("改动"), "building_group": N_("楼组"), "address": N_("地址"), "room": N_("室号"),
    "household_id": N_("住户编号"), "resident_id": N_("居民编号"), "change": N_("变化"), "proposed": N_("提议"),
    "before": N_("原来"), "after": N_("改为"), "reason": N_("原因"), "comment": N_("意见"), "number": N_("楼组编号"),
    "added": N_("新增"), "removed": N_("移除"), "filters": N_("筛选条件"), "question_id": N_("问题编号"),
    "question": N_("问题"), "was": N_("原状态"), "review": N_("处理状态"), "assignee": N_("负责人"),
    "assignee_name": N_("负责人"), "office_due": N_("办公室期限"), "group": N_("楼组"), "leader": N_("楼组长"),
    "kind": N_("类别"), "status": N_("情况"), "date_from": N_("从"), "date_to": N_("到"), "name": N_("名称"),
    "visitor_notes": N_("走访提示"), "groups": N_("楼组"), "households": N_("住户"), "residents": N_("居民"),
    "leaders": N_("楼组长"), "moved_out": N_("搬离"), "mark_missing_moved": N_("名册里没有的标为搬离"),
    **RESIDENT_FIELD_WORDS,
}
# Codes a key's value may hold, in words.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "role": ROLE_WORDS, "review": OFFICE_REVIEW_WORDS, "was": QUESTION_STATE_WORDS, "kind": VISIT_KIND_WORDS,
    "status": {**VISIT_STATUS_WORDS, **RESIDENT_STATUS_WORDS}, "change": ROSTER_CHANGE_WORDS, "gender": GENDER_WORDS,
    "care_flags": CARE_FLAG_WORDS, "via": {"sign_in_card": N_("登录卡")},
    "state": {"used": N_("已用过"), "expired": N_("已过期"), "replaced": N_("已作废（重新发过卡）"), "void": N_("已作废")},
}
# Keys that add nothing on screen: the object column names it already.
HIDDEN_KEYS = {"community_id", "user_id"}
YES, NO = N_("是"), N_("否")
ARROW, COMMA = data(" → "), data("、")


def _value(key: str, value: Any, names: dict[int, str]) -> list[Part]:
    if isinstance(value, bool):
        return [word(YES if value else NO)]
    if value is None or value == "":
        return [data("—")]
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return [*_value(key, value["from"], names), ARROW, *_value(key, value["to"], names)]
    if isinstance(value, dict):
        return _pairs(value.items(), names, nested=True) or [data("—")]
    if isinstance(value, list):
        parts: list[Part] = []
        for n, item in enumerate(value):
            parts += ([COMMA] if n else []) + _value(key, item, names)
        return parts or [data("—")]
    if key == "device_label":
        spaced: list[Part] = []
        for part in device_words(str(value)):
            spaced += ([data(" ")] if spaced else []) + [part]
        return spaced
    if key in ("assignee", "leader") and isinstance(value, int) and value in names:
        return [data(names[value])]
    words = VALUE_WORDS.get(key, {})
    return [word(words[value])] if isinstance(value, str) and value in words else [data(value)]


def _pairs(items: Iterable[tuple[str, Any]], names: dict[int, str], nested: bool = False) -> list[Part]:
    parts: list[Part] = []
    for key, value in items:
        if parts:
            parts.append(data("；" if nested else ""))
        parts += [word(KEY_WORDS[key]) if key in KEY_WORDS else data(key), data("：")]
        parts += _value(key, value, names)
    return parts


def detail_lines(event: AuditEvent, names: dict[int, str]) -> list[list[Part]]:
    """One line per detail; a change of review state is one line, "处理状态：已确认 → 处理中"."""
    detail = dict(event.detail or {})
    lines: list[list[Part]] = []
    if "from_state" in detail or "to_state" in detail:
        change = {"from": detail.pop("from_state", None), "to": detail.pop("to_state", None)}
        lines.append([word(KEY_WORDS["review"]), data("："), *_value("review", change, names)])
    if "assignee" in detail and "assignee_name" in detail:
        detail.pop("assignee_name")
    for key, value in detail.items():
        if key not in HIDDEN_KEYS:
            lines.append(_pairs([(key, value)], names))
    return lines


def target_parts(event: AuditEvent, names: dict[int, str]) -> list[Part]:
    """What the event was done to: a person by name, a visit, a device … in words."""
    if event.target_type == "user" and event.target_id.isdigit() and int(event.target_id) in names:
        return [data(names[int(event.target_id)])]
    if event.target_type == "user" and event.action == "login_failed":
        return [word(N_("用户名")), data(" " + event.target_id)]
    if event.target_type in TARGET_WORDS:
        return [word(TARGET_WORDS[event.target_type])]
    return [data(f"{event.target_type} {event.target_id}".strip() or "—")]


async def people_named(community_id: int | None, events: list[AuditEvent]) -> dict[int, str]:
    """Display names of the community's accounts the events refer to, by id."""
    ids: set[int] = set()
    for event in events:
        if event.target_type == "user" and event.target_id.isdigit():
            ids.add(int(event.target_id))
        for key in ("user_id", "assignee", "leader"):
            value = (event.detail or {}).get(key)
            value = value.get("to") if isinstance(value, dict) else value
            if isinstance(value, int):
                ids.add(value)
        assignee = (event.detail or {}).get("assignee")
        if isinstance(assignee, dict) and isinstance(assignee.get("from"), int):
            ids.add(assignee["from"])
    if not ids:
        return {}
    users = await User.filter(community_id=community_id, id__in=sorted(ids)).only("id", "display_name")
    return {user.id: user.display_name for user in users}
