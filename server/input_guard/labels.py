"""How each form control and query parameter is named to the user when its value is refused.

Chinese msgids (translated where shown). The leader's record fields keep the names the sync
protocol gives them (sync/fields.py LABELS); these are the others, by their `name` in the forms.
"""

from __future__ import annotations

from sync.vocabulary import N_
from sync.fields import LABELS as RECORD_LABELS

FORM_LABELS = {
    # sign-in, language, accounts
    "username": N_("用户名"), "display_name": N_("显示名称"), "role": N_("角色"), "next": N_("跳转地址"),
    "locale": N_("语言"), "device_id": N_("设备编号"), "user": N_("账号"), "groups": N_("负责的楼组"),
    # groups, households, residents
    "number": N_("楼组编号"), "name": N_("名称或姓名"), "leaders": N_("楼组长"), "room": N_("室号"),
    "address": N_("地址"), "visitor_notes": N_("上门提示"), "building_group": N_("楼组"),
    "gender": N_("性别"), "birth_year": N_("出生年份"), "phone": N_("电话"), "care_flags": N_("关注情况"),
    "household": N_("住户"),
    # review and follow-up
    "comment": N_("意见"), "question": N_("要问楼组长的问题"), "to_state": N_("处理状态"), "assignee": N_("负责人"),
    "office_due": N_("跟进期限"), "follow_up_comment": N_("跟进说明"), "reason": N_("退回原因"),
    "void_reason": N_("作废原因"), "restore_comment": N_("恢复的说明"), "void": N_("已作废的记录"),
    # chat alerts (admin)
    "webhook_url": N_("群机器人的 Webhook 地址"),
    # roster proposals and import
    "confirm_status": N_("确认"), "mark_missing_moved": N_("未列出的居民"), "file": N_("文件"),
    # filters and searches
    "q": N_("搜索内容"), "group": N_("楼组"), "leader": N_("楼组长"), "review": N_("处理状态"),
    "date_from": N_("开始日期"), "date_to": N_("结束日期"), "page": N_("页码"), "month": N_("月份"),
    "action": N_("操作"), "actor": N_("操作人"), "flag": N_("关注情况"), "age": N_("年龄段"),
    "state": N_("状态"), "show": N_("显示范围"), "before": N_("时间"), "for": N_("居民"), "select": N_("选择"),
    "saved": N_("提示"), "answered": N_("提示"), "reported": N_("提示"), "revoked": N_("提示"),
    "done": N_("提示"), "imported": N_("提示"),
}
PREFIXED_LABELS = {"rule:": N_("看望间隔天数")}  # rule:<kind of resident> on the checks page
SOMETHING_TYPED = N_("您填写的内容")


def field_label(name: str) -> str:
    """The words for a control; an unknown name (not ours: forged) gets no code word either."""
    prefixed = next((words for prefix, words in PREFIXED_LABELS.items() if name.startswith(prefix)), None)
    return FORM_LABELS.get(name) or RECORD_LABELS.get(name) or prefixed or SOMETHING_TYPED
