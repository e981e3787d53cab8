"""Reads the audit log of one community, filtered by action, actor and Shanghai dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from server.core.dates import DateRefused, day_start, parse_date
from server.input_guard.numbers import page_number
from server.models import AuditEvent, User
from sync.vocabulary import N_

PAGE_SIZE = 100


@dataclass
class AuditFilters:
    action: str | None = None
    actor_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def query_string(self, **override: Any) -> str:
        params = {
            "action": self.action, "actor": self.actor_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            **override,
        }
        return urlencode({k: str(v) for k, v in params.items() if v is not None})


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    actions: list[str]
    actors: list[User]


def parse_audit_filters(params: dict[str, str | None], actions: list[str], actors: list[User]) -> AuditFilters:
    raw = {k: (v or "").strip() for k, v in params.items()}
    result = AuditFilters(raw=raw)
    if raw.get("action"):
        if raw["action"] in actions:
            result.action = raw["action"]
        else:
            result.errors["action"] = N_("没有这种操作。")
    if raw.get("actor"):
        if raw["actor"] in {str(u.id) for u in actors}:
            result.actor_id = int(raw["actor"])
        else:
            result.errors["actor"] = N_("本居委会没有这个账号。")
    for name in ("date_from", "date_to"):
        try:
            setattr(result, name, parse_date(raw.get(name)))
        except DateRefused as refused:
            result.errors[name] = refused.message
    if result.date_from and result.date_to and result.date_to < result.date_from:
        result.errors["date_to"] = N_("结束日期不能早于开始日期。")
        result.date_to = None
    result.page = page_number(raw.get("page"))
    return result


async def audit_choices(community_id: int | None) -> tuple[list[str], list[User]]:
    # order_by: PostgreSQL refuses DISTINCT with the model's default ordering (by time).
    actions = list(
        await AuditEvent.filter(community_id=community_id).order_by("action").distinct().values_list(
            "action", flat=True
        )
    )
    actors = await User.filter(community_id=community_id).order_by("username")
    return actions, actors


async def audit_page(
    community_id: int | None, filters: AuditFilters, actions: list[str], actors: list[User]
) -> AuditPage:
    query = AuditEvent.filter(community_id=community_id)
    if filters.action:
        query = query.filter(action=filters.action)
    if filters.actor_id is not None:
        query = query.filter(actor_id=filters.actor_id)
    if filters.date_from:
        query = query.filter(at__gte=day_start(filters.date_from))
    if filters.date_to:
        query = query.filter(at__lt=day_start(filters.date_to + timedelta(days=1)))
    total = await query.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    events = await query.select_related("actor").order_by("-at", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return AuditPage(events, total, page, pages, actions, actors)
