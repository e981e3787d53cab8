"""The words the leader's screens show for codes (care flags, visit kinds, states).

Chinese is the msgid; templates pass each through `_()`, and `N_` marks them for extraction
into web/translations. Codes never reach the screen on their own, and a state is never shown
by colour alone.
"""

from __future__ import annotations

from sync.vocabulary import (  # noqa: F401  (re-exported: the leader modules import them from here)
    CARE_FLAG_WORDS,
    N_,
    ROSTER_CHANGE_WORDS,
    VISIT_KIND_WORDS,
    VISIT_STATUS_WORDS,
)

REVIEW_STATE_WORDS = {
    "new": N_("居委会未处理"),
    "acknowledged": N_("居委会已确认"),
    "in_progress": N_("居委会处理中"),
    "resolved": N_("居委会已办结"),
}

# The kinds of roster change, as the leader chooses them on the "report a change" form.
ROSTER_CHANGE_CHOICES = {
    "new_resident": N_("新来了一位居民"),
    "moved": N_("有人搬走了"),
    "deceased": N_("有人去世了"),
    "update": N_("居民信息有变化（电话、关注情况等）"),
}

ROSTER_STATE_WORDS = {
    "pending": N_("等待居委会确认"),
    "approved": N_("居委会已采纳"),
    "rejected": N_("居委会没有采纳"),
}

GENDER_WORDS = {
    "M": N_("男"),
    "F": N_("女"),
}

# Shown by pages other modules render through `_(title)` / `_(message)` / `_(error)`:
# listed here so that the English catalog has them too.
SHOWN_ELSEWHERE = [
    N_("没有权限"), N_("您的账号没有权限查看这个页面。"),
    N_("页面已过期"), N_("这个页面已经过期，请返回后刷新页面再试一次。您填写的内容没有保存。"),
    N_("找不到页面"), N_("没有这个页面，或者您没有权限查看它。"),
    N_("请求有误"), N_("请求无法处理，请返回重试。"),
    N_("服务器出错"), N_("服务器出错了，请稍后再试。您在手机上保存的记录不会丢失。"),
    N_("用户名或密码不正确。"), N_("请填写用户名和密码。"),
    N_("这台设备已被管理员注销登录，请重新登录。"),
]
