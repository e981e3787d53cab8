"""The server's words: every code a screen names that the protocol does not (the protocol's own
words, for care flags, visit kinds and states, and roster changes, are in sync/vocabulary.py:
import them from there), each word once, and the words of the phone's offline scripts.

Chinese is the msgid; templates pass each through `_()`, and `N_` marks them for extraction
into web/translations. Codes never reach the screen on their own, and a state is never shown
by colour alone. Where the leader and the office read the same state in different words (the
leader reads what the office did: 居委会已确认; the office its own work: 已确认), both are here,
named for who reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from sync.fields import LABELS
from sync.vocabulary import N_, VISIT_KIND_WORDS, VISIT_STATUS_WORDS

# A visit sent without its time: the HTML form's refusal (server/leader/visit_form.py) and the
# phone's, before anything is saved (web/static/js/forms.js), in the same words.
MISSING_OCCURRED_AT = N_("请填写走访的日期和时间")


class Part(NamedTuple):
    """A piece of a sentence put together in code: a msgid (`word`), or data shown as is.

    Data must never go through `_()`: Jinja's gettext marks its answer safe (unescaped) and
    applies `%` formatting. Templates show a list of parts with the `say` macro (partials/say.html)."""

    text: str
    word: bool


def word(text: str) -> Part:
    return Part(text, True)


def data(value: object) -> Part:
    return Part(str(value), False)


# --- for everyone ------------------------------------------------------------------------

GENDER_WORDS = {
    "M": N_("男"),
    "F": N_("女"),
}

# The office reads the most serious first.
VISIT_STATUS_WORDS_URGENT_FIRST = {code: VISIT_STATUS_WORDS[code] for code in ("urgent", "concern", "ok")}

RESIDENT_STATUS_WORDS = {
    "active": N_("在住"),
    "moved": N_("已搬离"),
    "deceased": N_("已故"),
}

# The fields a roster change may propose, and a resident's form on the household page: named as
# the protocol names them to the leader (sync/fields.py), and the resident's status.
RESIDENT_FIELD_WORDS = {
    **{name: LABELS[f"fields.{name}"] for name in ("name", "gender", "birth_year", "phone", "care_flags")},
    "status": N_("状态"),
}

ROLE_WORDS = {
    "leader": N_("楼组长"),
    "office": N_("居委会办公室"),
    "admin": N_("管理员"),
}

# --- the leader reads ---------------------------------------------------------------------

# What the office did with the leader's visit.
LEADER_REVIEW_WORDS = {
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

# What the office did with the leader's proposal.
LEADER_ROSTER_STATE_WORDS = {
    "pending": N_("等待居委会确认"),
    "approved": N_("居委会已采纳"),
    "rejected": N_("居委会没有采纳"),
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

# --- the office reads ---------------------------------------------------------------------

# Where the office's work on a visit stands.
OFFICE_REVIEW_WORDS = {
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

QUESTION_STATE_WORDS = {
    "open": N_("等待楼组长回答"),
    "answered": N_("楼组长已回答"),
    "closed": N_("已关闭"),
}

OFFICE_ROSTER_STATE_WORDS = {
    "pending": N_("等待确认"),
    "approved": N_("已采纳"),
    "rejected": N_("不采纳"),
}

HISTORY_WORDS = {
    "create": N_("楼组长提交"),
    "update": N_("楼组长修改"),
    "conflict": N_("修改冲突（两个版本都已保留）"),
    "send_back": N_("退回楼组长补充"),
    "question_closed": N_("关闭了补充问题"),
    "answer": N_("楼组长回答了补充问题"),
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


# --- the phone reads: the offline scripts (web/static/js) ---------------------------------

# Every word the scripts show, by the key they ask for (`t(key)`); `{name}` is filled in by the
# script. The protocol's own words come from sync/vocabulary.py, the server's refusals from the
# form that makes them, so a phone offline says what the server says. `python -m server.core.words`
# writes them per language into web/static/js/words.<locale>.js (tests/test_phone_words.py
# fails when a committed file is not what it writes).
PHONE_WORDS = {
    # the status line, the offline banner and the login page (status.js)
    "waiting": N_("手机上有 {n} 条记录等待上传"),
    "allSent": N_("手机上没有等待上传的记录"),
    "sending": N_("正在上传 {n} 条记录…"),
    "sendingMore": N_("正在上传 {n} 条，还有 {m} 条等待"),
    "lastSync": N_("上次同步 {t}"),
    "neverSynced": N_("还没有同步过"),
    "rejectedCount": N_("{n} 条被退回，请处理"),
    "expired": N_("请重新登录，您的 {n} 条记录还在手机上"),
    "relogin": N_("重新登录"),
    "offlineBanner": N_("离线 · 数据更新于 {t}"),
    "keptBanner": N_("服务器没有及时回应，先显示手机上保存的页面 · 数据更新于 {t}"),
    "noSignal": N_("没有信号 · {n} 条记录等待上传，有信号时自动上传"),
    "unreachable": N_("服务器暂时连不上 · {n} 条记录等待上传，稍后自动重试"),
    "serverError": N_("服务器出了问题 · {n} 条记录等待上传，稍后自动重试"),
    "waitingOnLogin": N_("手机上有 {n} 条记录等待上传，登录后会自动上传。"),
    "unconfirmedOnLogin": N_("手机上有 {n} 条记录已经发出，还没有确认上传；登录后会自动核对，不会重复。"),
    "revokedWiped": N_("手机上保存的页面和记录已按管理员的要求清除。"),
    "sentBack": N_("{n} 条记录被退回，请改好后再保存"),
    "dueWaiting": N_("已看望 · 记录等待上传"),
    "dueWaitingCount": N_("其中 {n} 位已看望，记录还在手机上等待上传"),
    # entries in the lists (status.js, visits.js)
    "stateWaiting": N_("等待上传"),
    "stateSending": N_("正在上传…"),
    "stateRejected": N_("被退回：{m}"),
    "stateConflict": N_("和另一台手机上的修改冲突，两份都已交给居委会办公室处理"),
    "stateSynced": N_("已上传"),
    "visitTime": N_("走访时间 {t}"),
    "type_answer": N_("回复办公室的问题"),
    "type_roster_change": N_("住户变化"),
    "edit": N_("修改"),
    "withdraw": N_("撤回"),
    "dismiss": N_("知道了"),
    "openHousehold": N_("打开这户"),
    "withdrawnMark": N_("已撤回（这条记录作废）"),
    "listSep": N_("、"),
    # saving, correcting, withdrawing (app.js, forms.js, visits.js)
    "saved": N_("已保存在手机上，有信号时自动上传"),
    "savedChanged": N_("已改好，保存在手机上，有信号时自动上传"),
    "uploaded": N_("已保存，已上传到居委会"),
    "editing": N_("正在修改被退回的记录：{m}"),
    "changing": N_("正在修改这条走访记录，改好后按“保存走访记录”"),
    "withdrawTitle": N_("撤回这条记录？"),
    "withdrawBody": N_("这条记录没有上传到服务器。撤回后它会从手机上删除，不能恢复。"),
    "withdrawSyncedBody": N_("撤回后这条记录标为“已撤回”，不再计入统计；居委会仍能看到它。"),
    "cancel": N_("取消"),
    # logging out and updating (app.js)
    "logoutTitle": N_("还有记录没有上传"),
    "logoutBody": N_("手机上还有 {n} 条记录没有上传到居委会。退出登录会把它们从手机上删除。"),
    "syncFirst": N_("先同步"),
    "logoutAnyway": N_("仍然退出"),
    "logoutOffline": N_("现在没有信号，退不了登录。有信号时再退出。"),
    "newVersion": N_("有新版本"),
    "update": N_("立即更新"),
    "offlineReady": N_("已可离线使用：没有信号时也能打开您的住户和记录表"),
    # 本机状态 (phone.js)
    "yes": N_("是"),
    "no": N_("否（手机空间不够时可能被清除）"),
    "ready": N_("已就绪（{r}）"),
    "notReady": N_("未就绪"),
    "entries": N_("{n} 条"),
    "megabytes": N_("{n} MB"),
    "pagesKept": N_("{n} 个页面（{t} 更新）"),
    "noPages": N_("还没有保存页面"),
    "syncDone": N_("同步完成：手机上没有等待上传的记录"),
    "syncLeft": N_("还有 {n} 条没有上传：{why}"),
    "whyNetwork": N_("现在没有信号，有信号时会自动上传"),
    "whyServer": N_("服务器出了问题，稍后自动重试"),
    "whyUnreachable": N_("服务器暂时连不上，稍后自动重试"),
    "whyLogin": N_("需要重新登录"),
    "whyOther": N_("稍后自动重试"),
    "otherUsers": N_("这台手机上还有另一个账号的 {n} 条记录没有上传，需要那位楼组长登录后才能上传。"),
    # drafts (drafts.js)
    "draftRestored": N_("这里填回了您上次没保存的内容（草稿）。"),
    "discardDraft": N_("丢弃草稿"),
    # the visit form (forms.js): said where the server says it, in the same words
    "occurredAtMissing": MISSING_OCCURRED_AT,
    **{f"kind_{code}": words for code, words in VISIT_KIND_WORDS.items()},
    **{f"status_{code}": words for code, words in VISIT_STATUS_WORDS.items()},
}


def phone_words_js(locale: str) -> str:
    """web/static/js/words.<locale>.js: PHONE_WORDS in that language, from its Babel catalog.

    A file, not a route: it is a static file like the other scripts, so its ?v= (a digest of
    web/static) changes when a translation does, the service worker keeps it for offline use,
    and the strict CSP needs nothing inline."""
    from babel.messages.pofile import read_po

    from server.core.i18n import DEFAULT_LOCALE, TRANSLATIONS_DIR

    said = dict(PHONE_WORDS)
    if locale != DEFAULT_LOCALE:
        with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po)
        missing = [msgid for msgid in said.values() if not (catalog.get(msgid) and catalog.get(msgid).string)]
        if missing:
            raise SystemExit(f"no {locale} for: " + ", ".join(missing))
        said = {key: catalog.get(msgid).string for key, msgid in said.items()}
    body = json.dumps(said, ensure_ascii=False, indent=2)
    return (
        f"/* The words of the offline scripts in {locale}: written by `python -m server.core.words` from\n"
        "   server/core/words.py PHONE_WORDS and web/translations. Do not edit: change those and run it. */\n"
        f"'use strict';\nself.LouzuWords = {body};\n"
    )


def phone_words_path(locale: str) -> Path:
    from server.settings import WEB_DIR

    return WEB_DIR / "static" / "js" / f"words.{locale}.js"


if __name__ == "__main__":
    from server.core.i18n import LOCALES

    for locale in LOCALES:
        phone_words_path(locale).write_text(phone_words_js(locale), encoding="utf-8")
        print(phone_words_path(locale))
