"""Words the office screens show for codes; Chinese msgids, translated where shown via `_()`."""

from __future__ import annotations

from sync.vocabulary import (  # noqa: F401  (re-exported for the office modules)
    CARE_FLAG_WORDS,
    N_,
    ROSTER_CHANGE_WORDS,
    VISIT_KIND_WORDS,
    VISIT_STATUS_WORDS,
)

KIND_WORDS = VISIT_KIND_WORDS
# The office reads the most serious first.
STATUS_WORDS = {code: VISIT_STATUS_WORDS[code] for code in ("urgent", "concern", "ok")}

REVIEW_WORDS = {
    "new": N_("新记录"),
    "acknowledged": N_("已确认"),
    "in_progress": N_("处理中"),
    "resolved": N_("已办结"),
}

# What the button that moves a visit into each state says.
REVIEW_ACTION_WORDS = {
    "acknowledged": N_("确认已阅"),
    "in_progress": N_("开始处理"),
    "resolved": N_("办结"),
}


RESIDENT_STATUS_WORDS = {
    "active": N_("在住"),
    "moved": N_("已搬离"),
    "deceased": N_("已故"),
}

ROLE_WORDS = {
    "leader": N_("楼组长"),
    "office": N_("居委会办公室"),
    "admin": N_("管理员"),
}

AUDIT_ACTION_WORDS = {
    "login": N_("登录"),
    "login_failed": N_("登录失败"),
    "logout": N_("退出登录"),
    "review_state": N_("更改处理状态"),
    "review_comment": N_("填写意见"),
    "follow_up_update": N_("指派跟进"),
    "export_csv": N_("导出 CSV"),
    "export_xlsx": N_("导出 Excel"),
    "check_rules_update": N_("修改看望周期"),
    "alert_sent": N_("群消息已发送"),
    "alert_failed": N_("群消息发送失败"),
    "alert_webhook_set": N_("设置群机器人"),
    "alert_webhook_removed": N_("删除群机器人"),
    "alert_test": N_("发测试群消息"),
    "account_created": N_("创建账号"),
    "account_updated": N_("修改账号"),
    "account_password_reset": N_("重设密码"),
    "account_deactivated": N_("停用账号"),
    "account_activated": N_("启用账号"),
    "session_revoked": N_("注销设备"),
    "sign_in_card_issued": N_("发登录卡"),
    "sign_in_card_reissued": N_("重新发登录卡（旧卡作废）"),
    "sign_in_card_used": N_("用登录卡登录"),
    "sign_in_card_refused": N_("登录卡被拒（已用过、过期或作废）"),
    "visit_sent_back": N_("退回补充"),
    "question_closed": N_("关闭补充问题"),
    "roster_approved": N_("采纳名册变化"),
    "roster_rejected": N_("不采纳名册变化"),
    "household_updated": N_("修改住户信息"),
    "resident_updated": N_("修改居民信息"),
    "resident_created": N_("登记居民"),
    "household_created": N_("添加住户"),
    "household_moved": N_("住户换楼组"),
    "group_created": N_("建立楼组"),
    "group_updated": N_("修改楼组"),
    "group_leaders_updated": N_("分配楼组长"),
    "roster_imported": N_("导入名册"),
    "roster_exported": N_("导出居民名册"),
    "visit_voided": N_("作废走访记录"),
    "visit_restored": N_("恢复已作废的走访记录"),
    "month_closed": N_("封存月度材料"),
    "monthly_pdf": N_("下载月度材料 PDF"),
    "monthly_xlsx": N_("下载月度材料附表"),
}

QUESTION_STATE_WORDS = {
    "open": N_("等待楼组长回答"),
    "answered": N_("楼组长已回答"),
    "closed": N_("已关闭"),
}


ROSTER_STATE_WORDS = {
    "pending": N_("等待确认"),
    "approved": N_("已采纳"),
    "rejected": N_("不采纳"),
}

# The fields a roster change may propose, and a resident's form on the household page.
RESIDENT_FIELD_WORDS = {
    "name": N_("姓名"),
    "gender": N_("性别"),
    "birth_year": N_("出生年份"),
    "phone": N_("电话"),
    "care_flags": N_("关注情况"),
    "status": N_("状态"),
}

GENDER_WORDS = {
    "M": N_("男"),
    "F": N_("女"),
}

HISTORY_WORDS = {
    "create": N_("楼组长提交"),
    "update": N_("楼组长修改"),
    "conflict": N_("修改冲突（两个版本都已保留）"),
    "send_back": N_("退回楼组长补充"),
    "question_closed": N_("关闭了补充问题"),
    "answer": N_("楼组长回答了补充问题"),
}

