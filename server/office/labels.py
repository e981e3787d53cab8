"""Words the office screens show for codes; Chinese msgids, translated where shown via `_()`."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a msgid for extraction; the translation happens in the template."""
    return message


KIND_WORDS = {
    "routine": N_("日常走访"),
    "elderly_check": N_("老人看望"),
    "mediation": N_("矛盾调解"),
    "safety": N_("安全检查"),
    "assistance": N_("帮困求助"),
    "other": N_("其他"),
}

STATUS_WORDS = {
    "urgent": N_("紧急"),
    "concern": N_("需要关注"),
    "ok": N_("一切安好"),
}

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

CARE_FLAG_WORDS = {
    "age_80_plus": N_("高龄"),
    "lives_alone": N_("独居"),
    "disabled": N_("残疾"),
    "hardship": N_("困难"),
    "chronic_illness": N_("慢病"),
    "watch": N_("重点关注"),
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
    "account_created": N_("创建账号"),
    "account_updated": N_("修改账号"),
    "account_password_reset": N_("重设密码"),
    "account_deactivated": N_("停用账号"),
    "account_activated": N_("启用账号"),
    "session_revoked": N_("注销设备"),
    "visit_sent_back": N_("退回补充"),
    "question_closed": N_("关闭补充问题"),
    "roster_approved": N_("采纳名册变化"),
    "roster_rejected": N_("不采纳名册变化"),
    "household_updated": N_("修改住户信息"),
    "resident_updated": N_("修改居民信息"),
}

QUESTION_STATE_WORDS = {
    "open": N_("等待楼组长回答"),
    "answered": N_("楼组长已回答"),
    "closed": N_("已关闭"),
}

ROSTER_CHANGE_WORDS = {
    "new_resident": N_("新来居民"),
    "moved": N_("搬走"),
    "deceased": N_("去世"),
    "update": N_("信息变化"),
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

