"""Follow-ups open at a moment: how many, how many past their deadline, and the rows.

A follow-up is a visit the leader marked (follow_up_needed) or the office gave a responsible
person (server/office/follow_ups.py says the same for the office's list). Read in two parts
that each follow an index (models.Visit): the leader's marked ones, then the office-assigned
ones without the leader's mark, one assignee at a time (an IN list, or an OR over both, makes
SQLite walk the committee's history instead).

The state at a past moment: a visit whose review state changed since has the `from_state` of
its first later change (review events carry their time); the others are as they are now.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Coalesce

from server.core.staff_pages import code
from server.models import (
    ReviewEventKind,
    ReviewState,
    Role,
    User,
    Visit,
    VisitReviewEvent,
)
from server.monthly_pack.text import iso, short
from server.office.follow_ups import overdue_q

OPEN_STATES = [s for s in ReviewState if s is not ReviewState.RESOLVED]
CHUNK = 500


def counted(moment: datetime) -> Q:
    """A visit as it stood at `moment`: received by then, not withdrawn, not voided by then."""
    return Q(withdrawn=False, received_at__lt=moment) & (Q(voided_at__isnull=True) | Q(voided_at__gte=moment))


async def states_then(community_id: int, moment: datetime, visit_ids: list | None = None) -> dict[str, str]:
    """Visits (of the community, or these) whose review state changed at or after `moment`:
    their state at `moment`. Read through the events' time index: nothing after "now"."""
    query = VisitReviewEvent.filter(kind=ReviewEventKind.STATE.value, at__gte=moment)
    if visit_ids is not None:
        query = query.filter(visit_id__in=visit_ids)
    then: dict[str, str] = {}
    for visit_id, from_state in await query.order_by("-id").values_list("visit_id", "from_state"):
        then[str(visit_id)] = code(from_state) if from_state is not None else ReviewState.NEW.value
    if visit_ids is None and then:  # events of every committee: keep this one's
        ids, ours = list(then), set()
        for start in range(0, len(ids), CHUNK):
            ours |= {str(v) for v in await Visit.filter(
                id__in=ids[start:start + CHUNK], community_id=community_id).values_list("id", flat=True)}
        then = {k: v for k, v in then.items() if k in ours}
    return then


async def assignments_then(
    community_id: int, moment: datetime, visit_ids: list | None = None
) -> dict[str, dict[str, Any]]:
    """Visits (of the community, or these) whose responsible person or office deadline changed
    at or after `moment`: the values they had then (`follow_up` review events hold from/to)."""
    then: dict[str, dict[str, Any]] = {}
    query = VisitReviewEvent.filter(kind=ReviewEventKind.FOLLOW_UP.value, at__gte=moment)
    if visit_ids is not None:
        query = query.filter(visit_id__in=visit_ids)
    for visit_id, detail in await query.order_by("-id").values_list("visit_id", "detail"):
        for key in ("assignee", "office_due"):
            if isinstance((detail or {}).get(key), dict):  # newest first: the first change's "from" wins
                then.setdefault(str(visit_id), {})[key] = detail[key].get("from")
    if then and visit_ids is None:
        ours = {str(v) for v in await Visit.filter(id__in=list(then), community_id=community_id).values_list(
            "id", flat=True)}
        then = {k: v for k, v in then.items() if k in ours}
    return then


async def _parts(
    community_id: int, moment: datetime, live: bool, then: dict[str, str], apart: list[str]
) -> list:
    """The querysets whose union is the follow-ups open at `moment` (`live`: now), leaving out
    `apart` (visits whose assignment changed since: decided one by one)."""
    was_resolved = [k for k, s in then.items() if s == ReviewState.RESOLVED.value]
    was_open = [k for k, s in then.items() if s != ReviewState.RESOLVED.value]
    state = Q(review_state__in=OPEN_STATES)
    if was_resolved:
        state &= ~Q(id__in=was_resolved)
    if was_open:  # only for a past moment (closing a month): the index matters less than the truth
        state |= Q(id__in=was_open)
    # Now, "received by now" and "occurred before now" hold for every row: left out, the
    # conditions are those the index holds, so the counts never read the table.
    scope = [Q(withdrawn=False, voided_at__isnull=True) if live else counted(moment) & Q(occurred_at__lt=moment),
             state]
    if apart:
        scope.append(~Q(id__in=apart))
    parts = [Visit.filter(*scope, community_id=community_id, follow_up_needed=True)]
    staff = await User.filter(community_id=community_id, role__in=[Role.OFFICE, Role.ADMIN]).values_list("id", flat=True)
    for user_id in staff:
        parts.append(Visit.filter(*scope, follow_up_needed=False, follow_up_assignee_id=user_id,
                                  community_id=community_id))
    return parts


async def assignee_names(assigned: dict[str, dict[str, Any]]) -> dict[int, str]:
    ids = [a["assignee"] for a in assigned.values() if a.get("assignee")]
    return dict(await User.filter(id__in=ids).values_list("id", "display_name")) if ids else {}


def handler_then(before: dict[str, Any] | None, now: str, names: dict[int, str]) -> str:
    """Who was responsible at the moment: `now` unless the assignment changed since."""
    if before is None or "assignee" not in before:
        return now
    return names.get(before["assignee"], "") if before["assignee"] else ""


async def _rows(
    ids: list, then: dict[str, str], as_of: date, assigned: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    names = await assignee_names(assigned)
    rows = []
    for start in range(0, len(ids), CHUNK):
        for r in await Visit.filter(id__in=ids[start:start + CHUNK]).values(
            "id", "occurred_at", "notes", "review_state", "status", "follow_up_due", "follow_up_office_due",
            "household__address", "author__display_name", "follow_up_assignee__display_name",
        ):
            before = assigned.get(str(r["id"]))
            handler = handler_then(before, r["follow_up_assignee__display_name"] or "", names)
            if before is not None and "office_due" in before:  # the deadline at the moment
                r["follow_up_office_due"] = date.fromisoformat(before["office_due"]) if before["office_due"] else None
            due = r["follow_up_office_due"] or r["follow_up_due"]
            rows.append({
                "id": str(r["id"]), "occurred_at": iso(r["occurred_at"]), "due": iso(due),
                "overdue_days": (as_of - due).days if due and due < as_of else 0,
                "address": r["household__address"], "leader": r["author__display_name"],
                "handler": handler, "notes": short(r["notes"]),
                "status": code(r["status"]), "state": then.get(str(r["id"]), code(r["review_state"])),
            })
    return rows


async def _reassigned(
    community_id: int, moment: datetime, as_of: date, then: dict[str, str], assigned: dict[str, dict[str, Any]]
) -> list[tuple[str, bool]]:
    """(id, overdue then) of the visits whose assignment changed since `moment` that were open
    follow-ups then: with the responsible person and deadline they had then."""
    found = []
    if not assigned:
        return found
    for r in await Visit.filter(counted(moment), id__in=list(assigned), occurred_at__lt=moment).values(
        "id", "follow_up_needed", "review_state", "follow_up_due", "follow_up_office_due", "follow_up_assignee_id"
    ):
        key = str(r["id"])
        before = assigned[key]
        assignee = before["assignee"] if "assignee" in before else r["follow_up_assignee_id"]
        office_due = r["follow_up_office_due"]
        if "office_due" in before:
            office_due = date.fromisoformat(before["office_due"]) if before["office_due"] else None
        state = then.get(key, code(r["review_state"]))
        if (r["follow_up_needed"] or assignee) and state != ReviewState.RESOLVED.value:
            due = office_due or r["follow_up_due"]
            found.append((key, bool(due and due < as_of)))
    return found


async def open_follow_ups(
    community_id: int, moment: datetime, as_of: date, limit: int | None, live: bool = False
) -> dict[str, Any]:
    """Counts of the open and the overdue, and rows: the `limit` most overdue (every open one
    when `limit` is None), longest overdue first. `live`: `moment` is now."""
    then = {} if live else await states_then(community_id, moment)
    assigned = {} if live else await assignments_then(community_id, moment)
    open_count = overdue_count = 0
    ids: list = []
    for visit_id, overdue in await _reassigned(community_id, moment, as_of, then, assigned):
        open_count += 1
        overdue_count += overdue
        if limit is None or overdue:
            ids.append(visit_id)
    for index, part in enumerate(await _parts(community_id, moment, live, then, list(assigned))):
        in_part = await part.count()
        if not in_part:
            continue
        open_count += in_part
        overdue = part.filter(overdue_q(as_of))
        overdue_count += await overdue.count()
        listed = part if limit is None else overdue
        if index == 0 and limit is not None:  # the leader's marked ones: only the most overdue
            listed = listed.annotate(due=Coalesce("follow_up_office_due", F("follow_up_due"))).order_by(
                "due", "occurred_at").limit(limit)
        # An assignee's few unmarked ones are read whole (ordered in SQL, SQLite leaves the
        # assignee's index for a walk in date order) and sorted below.
        ids += await listed.values_list("id", flat=True)
    rows = await _rows(ids, then, as_of, assigned)
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or "", r["occurred_at"] or ""))
    return {"open": open_count, "overdue": overdue_count, "rows": rows if limit is None else rows[:limit]}
