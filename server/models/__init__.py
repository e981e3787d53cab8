"""Tortoise models for the entities of domain.md; every row belongs to exactly one community.

One module a part of the domain; this package is what Tortoise loads (server.db) and what the
rest of the app and the migrations import from. The enums are the protocol's (sync/vocabulary.py).
"""

from server.models.alerts import Alert, AlertKind, AlertSetting, AlertState
from server.models.base import WhereIndex
from server.models.community import (
    DEFAULT_CHECK_RULES,
    BuildingGroup,
    Community,
    Household,
    Resident,
)
from server.models.people import DeviceSession, LoginThrottle, SignInCard, User
from server.models.review import (
    AuditEvent,
    ClosedMonth,
    QuestionAnswer,
    ReviewEventKind,
    VisitQuestion,
    VisitReviewEvent,
)
from server.models.roster import RosterChange, RosterUpload
from server.models.visits import Visit, VisitResident, VisitRevision
from sync.vocabulary import (
    CareFlag,
    QuestionState,
    ResidentStatus,
    ReviewState,
    Role,
    RosterChangeKind,
    RosterChangeState,
    VisitKind,
    VisitStatus,
)

__all__ = [
    "Alert",
    "AlertKind",
    "AlertSetting",
    "AlertState",
    "AuditEvent",
    "BuildingGroup",
    "CareFlag",
    "ClosedMonth",
    "Community",
    "DEFAULT_CHECK_RULES",
    "DeviceSession",
    "Household",
    "LoginThrottle",
    "QuestionAnswer",
    "QuestionState",
    "Resident",
    "ResidentStatus",
    "ReviewEventKind",
    "ReviewState",
    "Role",
    "RosterChange",
    "RosterChangeKind",
    "RosterChangeState",
    "RosterUpload",
    "SignInCard",
    "User",
    "Visit",
    "VisitKind",
    "VisitQuestion",
    "VisitResident",
    "VisitReviewEvent",
    "VisitRevision",
    "VisitStatus",
    "WhereIndex",
]
