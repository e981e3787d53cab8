"""The domain's words for codes, shared by the leader's and the office's screens.

Chinese is the msgid; templates pass each through `_()`, and `N_` marks them for extraction
into web/translations. Codes never reach the screen on their own.
"""

from __future__ import annotations

from typing import NamedTuple


def N_(message: str) -> str:
    """Marks a msgid for extraction; the translation happens where it is shown."""
    return message


CARE_FLAG_WORDS = {
    "age_80_plus": N_("高龄"),
    "lives_alone": N_("独居"),
    "disabled": N_("残疾"),
    "hardship": N_("困难"),
    "chronic_illness": N_("慢病"),
    "watch": N_("重点关注"),
}

VISIT_KIND_WORDS = {
    "routine": N_("日常走访"),
    "elderly_check": N_("老人看望"),
    "mediation": N_("矛盾调解"),
    "safety": N_("安全检查"),
    "assistance": N_("帮困求助"),
    "other": N_("其他"),
}

VISIT_STATUS_WORDS = {
    "ok": N_("一切安好"),
    "concern": N_("需要关注"),
    "urgent": N_("紧急"),
}

# Short, for lists of proposals (the leader's form words its choices at more length).
ROSTER_CHANGE_WORDS = {
    "new_resident": N_("新来居民"),
    "moved": N_("搬走"),
    "deceased": N_("去世"),
    "update": N_("信息变化"),
}


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
