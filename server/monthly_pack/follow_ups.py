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

from server.models import ReviewEventKind, ReviewState, Role, User, Visit, VisitReviewEvent
from server.monthly_pack.text import iso, short
from server.office.pages import code
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


async def _parts(community_id: int, moment: datetime, live: bool, then: dict[str, str]) -> list:
    """The querysets whose union is the follow-ups open at `moment` (`live`: now)."""
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
    parts = [Visit.filter(*scope, community_id=community_id, follow_up_needed=True)]
    staff = await User.filter(community_id=community_id, role__in=[Role.OFFICE, Role.ADMIN]).values_list("id", flat=True)
    for user_id in staff:
        parts.append(Visit.filter(*scope, follow_up_needed=False, follow_up_assignee_id=user_id,
                                  community_id=community_id))
    return parts


async def _rows(ids: list, then: dict[str, str], as_of: date) -> list[dict[str, Any]]:
    rows = []
    for start in range(0, len(ids), CHUNK):
        for r in await Visit.filter(id__in=ids[start:start + CHUNK]).values(
            "id", "occurred_at", "notes", "review_state", "status", "follow_up_due", "follow_up_office_due",
            "household__address", "author__display_name", "follow_up_assignee__display_name",
        ):
            due = r["follow_up_office_due"] or r["follow_up_due"]
            rows.append({
                "id": str(r["id"]), "occurred_at": iso(r["occurred_at"]), "due": iso(due),
                "overdue_days": (as_of - due).days if due and due < as_of else 0,
                "address": r["household__address"], "leader": r["author__display_name"],
                "handler": r["follow_up_assignee__display_name"] or "", "notes": short(r["notes"]),
                "status": code(r["status"]), "state": then.get(str(r["id"]), code(r["review_state"])),
            })
    return rows


async def open_follow_ups(
    community_id: int, moment: datetime, as_of: date, limit: int | None, live: bool = False
) -> dict[str, Any]:
    """Counts of the open and the overdue, and rows: the `limit` most overdue (every open one
    when `limit` is None), longest overdue first. `live`: `moment` is now."""
    then = {} if live else await states_then(community_id, moment)
    open_count = overdue_count = 0
    ids: list = []
    for index, part in enumerate(await _parts(community_id, moment, live, then)):
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
    rows = await _rows(ids, then, as_of)
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or "", r["occurred_at"] or ""))
    return {"open": open_count, "overdue": overdue_count, "rows": rows if limit is None else rows[:limit]}
