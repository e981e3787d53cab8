"""The protocol's vocabulary: the codes a record may carry, and the domain's words for them.

The models take their enums from here (server/ depends on sync/, never the other way), and
every screen names a code by these words: Chinese is the msgid, passed through `_()` where it
is shown; `N_` marks it for extraction into web/translations. Codes never reach a screen alone.
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    LEADER = "leader"
    OFFICE = "office"
    ADMIN = "admin"


class CareFlag(str, Enum):
    AGE_80_PLUS = "age_80_plus"
    LIVES_ALONE = "lives_alone"
    DISABLED = "disabled"
    HARDSHIP = "hardship"
    CHRONIC_ILLNESS = "chronic_illness"
    WATCH = "watch"


class ResidentStatus(str, Enum):
    ACTIVE = "active"
    MOVED = "moved"
    DECEASED = "deceased"


class VisitKind(str, Enum):
    ROUTINE = "routine"
    ELDERLY_CHECK = "elderly_check"
    MEDIATION = "mediation"
    SAFETY = "safety"
    ASSISTANCE = "assistance"
    OTHER = "other"


class VisitStatus(str, Enum):
    OK = "ok"
    CONCERN = "concern"
    URGENT = "urgent"


class ReviewState(str, Enum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class QuestionState(str, Enum):
    OPEN = "open"  # waiting for the leader
    ANSWERED = "answered"  # the leader answered; the office has not closed it yet
    CLOSED = "closed"  # the office needs nothing more (read the answer, or withdrew the question)


class RosterChangeKind(str, Enum):
    NEW_RESIDENT = "new_resident"
    MOVED = "moved"
    DECEASED = "deceased"
    UPDATE = "update"  # phone number, care flags, a misspelt name ...


class RosterChangeState(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


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
