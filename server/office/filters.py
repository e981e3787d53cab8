"""The dashboard's filters: parsed from the query string once, shared by the list and exports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from tortoise.queryset import QuerySet

from server.core.dates import DateRefused, day_start, parse_date
from server.input_guard.numbers import page_number
from server.models import (
    BuildingGroup,
    ReviewState,
    Role,
    User,
    Visit,
    VisitKind,
    VisitStatus,
)
from sync.vocabulary import N_

PAGE_SIZE = 50
# Query-string names, in the order the form shows them.
FILTER_NAMES = ("group", "leader", "kind", "status", "review", "date_from", "date_to", "void")
# The voided (作废) visits are left out of every list unless asked for alone ("only").
VOID_CHOICES = ("only",)


@dataclass
class VisitFilters:
    group_id: int | None = None
    leader_id: int | None = None
    kind: str | None = None
    status: str | None = None
    review: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    void: str | None = None  # "only": the voided visits alone; else they are left out
    page: int = 1
    choices: "FilterChoices | None" = None  # what the form offers
    raw: dict[str, str] = field(default_factory=dict)  # what the user typed, to show again
    errors: dict[str, str] = field(default_factory=dict)  # field -> Chinese msgid

    def applied(self) -> dict[str, Any]:
        """The filters in effect, for the audit log of an export."""
        values = {
            "group": self.group_id, "leader": self.leader_id, "kind": self.kind, "status": self.status,
            "review": self.review,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "void": self.void,
        }
        return {key: value for key, value in values.items() if value is not None}

    def query_string(self, **override: Any) -> str:
        """The valid filters as a query string (for paging and export links)."""
        params = {key: str(value) for key, value in self.applied().items()}
        params.update({key: str(value) for key, value in override.items() if value is not None})
        return urlencode(params)


@dataclass
class FilterChoices:
    """What the filter form offers: this community's groups and leaders."""

    groups: list[BuildingGroup]
    leaders: list[User]


async def filter_choices(community_id: int | None) -> FilterChoices:
    groups = await BuildingGroup.filter(community_id=community_id).order_by("number")
    leaders = await User.filter(community_id=community_id, role=Role.LEADER).order_by("username")
    return FilterChoices(groups, leaders)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def one_of(raw: dict[str, str], name: str, allowed: Iterable[str], message: str, errors: dict[str, str]) -> str | None:
    """A filter that is one of a list (a kind, a state...): its value, or None when not given or
    not on the list (then `message` is its error: a bad filter is reported, the others apply)."""
    if raw[name] and raw[name] not in set(allowed):
        errors[name] = message
    return raw[name] if raw[name] and name not in errors else None


def parse_filters(params: dict[str, str | None], choices: FilterChoices) -> VisitFilters:
    """Invalid values are reported per field and left out; the valid ones still apply."""
    raw = {name: (params.get(name) or "").strip() for name in (*FILTER_NAMES, "page")}
    result = VisitFilters(choices=choices, raw={k: v for k, v in raw.items() if k != "page"})
    errors = result.errors

    # A group or a leader: one of this committee's (the lists the form offers), by id.
    for name, offered, message in (
        ("group", choices.groups, N_("没有这个楼组。")),
        ("leader", choices.leaders, N_("没有这位楼组长。")),
    ):
        if raw[name]:
            chosen = _int(raw[name])
            if chosen in {item.id for item in offered}:
                setattr(result, f"{name}_id", chosen)
            else:
                errors[name] = message
    result.kind = one_of(raw, "kind", (m.value for m in VisitKind), N_("没有这种走访类型。"), errors)
    result.status = one_of(raw, "status", (m.value for m in VisitStatus), N_("没有这种状况。"), errors)
    result.review = one_of(raw, "review", (m.value for m in ReviewState), N_("没有这种处理状态。"), errors)
    result.void = one_of(raw, "void", VOID_CHOICES, N_("没有这个选项。"), errors)
    for name in ("date_from", "date_to"):
        try:
            setattr(result, name, parse_date(raw[name]))
        except DateRefused as refused:
            errors[name] = refused.message
    if result.date_from and result.date_to and result.date_to < result.date_from:
        errors["date_to"] = N_("结束日期不能早于开始日期。")
        result.date_to = None
    result.page = page_number(raw["page"])
    return result


def visit_queryset(community_id: int | None, filters: VisitFilters) -> QuerySet[Visit]:
    """This community's visits matching the filters (dates are Shanghai days of occurred_at);
    voided visits only when asked for alone. The voided condition is written as the dashboard's
    two partial indexes say it (models.Visit), so a segment is one range of one of them."""
    query = Visit.filter(community_id=community_id, voided_at__isnull=filters.void != "only")
    if filters.group_id is not None:
        query = query.filter(household__building_group_id=filters.group_id)
    if filters.leader_id is not None:
        query = query.filter(author_id=filters.leader_id)
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.review:
        query = query.filter(review_state=filters.review)
    if filters.date_from:
        query = query.filter(occurred_at__gte=day_start(filters.date_from))
    if filters.date_to:
        query = query.filter(occurred_at__lt=day_start(filters.date_to + timedelta(days=1)))
    return query
