"""The pack's figures as of a moment, as plain JSON-able data: the page renders the same shape
whether it was computed now (the current month) or read from a closed month a year later.

A visit counts when it occurred in the month, the server had received it by the moment, it is
not withdrawn, and it was not voided by then. Review states, resolutions and comments are those
the office had recorded by then (each state change is an event with its time). Residents are
those living there then (`as_of`). Set-based throughout: a handful of queries whatever the size
of the committee's history; long lists are counted in SQL and only what the page shows is read
(the full lists go to the XLSX appendix, `full=True`).

A follow-up's responsible person and office deadline are taken back too (`follow_up` review
events hold from/to). Taken as they stand at the close, not as of the month's end: a withdrawal
(Visit.withdrawn carries no time; the visit's revisions would tell, not read yet), the leader's
own follow-up mark and due date (same), and leaders' last syncs (a phone keeps only its
latest). Months are closed on their first view after their end (or by `louzu close-months` on
the 1st), so these differ from the month's end only by what changed in between.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from server.checks.rules import CheckState, check_interval, status_for_interval
from server.core.clock import local_date, now_utc
from server.core.dates import Month, day_start
from server.core.staff_pages import code
from server.core.words import VISIT_STATUS_WORDS_URGENT_FIRST
from server.models import (
    BuildingGroup,
    CareFlag,
    Community,
    ReviewEventKind,
    ReviewState,
    Visit,
    VisitKind,
    VisitReviewEvent,
    VisitStatus,
)
from server.monthly_pack.as_of import roster_as_of
from server.monthly_pack.checks import last_checks_as_of, seen_since
from server.monthly_pack.follow_ups import (
    assignee_names,
    assignments_then,
    handler_then,
    open_follow_ups,
    states_then,
)
from server.monthly_pack.leaders import quiet_leaders
from server.monthly_pack.month_visits import month_visits
from server.monthly_pack.text import iso, short
from server.office.coverage import on_time_share, percent_text
from sync.vocabulary import VISIT_KIND_WORDS

FOLLOW_UPS_SHOWN = 12  # overdue follow-ups listed on the page (most overdue first); all in the appendix
HARDSHIP_SHOWN = 30  # hardship residents not seen, on the page


async def _cases(ids: list[str], moment: datetime, live: bool) -> list[dict[str, Any]]:
    """Urgent visits and disputes with what became of them by `moment` (`live`: now)."""
    if not ids:
        return []
    rows = await Visit.filter(id__in=ids).order_by("occurred_at").values(
        "id", "occurred_at", "kind", "status", "notes", "review_state", "household__address",
        "author__display_name", "follow_up_assignee__display_name",
    )
    events = await VisitReviewEvent.filter(visit_id__in=ids, at__lt=moment).order_by("id").values(
        "visit_id", "kind", "to_state", "comment", "at")
    resolved_at: dict[str, datetime] = {}
    comment: dict[str, str] = {}
    for e in events:
        key = str(e["visit_id"])
        if e["kind"] == ReviewEventKind.STATE.value:
            if code(e["to_state"]) == ReviewState.RESOLVED.value:
                resolved_at[key] = e["at"]
            else:
                resolved_at.pop(key, None)  # reopened
        if e["comment"]:
            comment[key] = e["comment"]
    then = {} if live else await states_then(0, moment, ids)
    assigned = {} if live else await assignments_then(0, moment, ids)
    names = await assignee_names(assigned)
    cases = []
    for r in rows:
        key = str(r["id"])
        state = then.get(key, code(r["review_state"]))
        cases.append({
            "id": key, "occurred_at": iso(r["occurred_at"]), "kind": code(r["kind"]), "status": code(r["status"]),
            "address": r["household__address"], "leader": r["author__display_name"], "notes": short(r["notes"]),
            "state": state, "resolved_at": iso(resolved_at.get(key)) if state == ReviewState.RESOLVED.value else None,
            "handler": handler_then(assigned.get(key), r["follow_up_assignee__display_name"] or "", names),
            "comment": short(comment.get(key, "")),
        })
    return cases


async def _checks(
    community: Community, month: Month, moment: datetime, as_of: date, full: bool, group_names: dict[int, str]
) -> dict[str, Any]:
    """Coverage per building group, and the hardship residents nobody saw this month."""
    roster = await roster_as_of(community.id, moment)
    rules = community.rules()
    at = day_start(as_of) + timedelta(hours=12)  # "as of" that Shanghai day
    intervals: dict[tuple, int | None] = {}  # each set of care flags' interval, worked out once
    for resident in roster.residents:
        flags = tuple(resident.care_flags)
        if flags not in intervals:
            intervals[flags] = check_interval(flags, rules)
    longest = max((i for i in intervals.values() if i is not None), default=0)
    # Who was seen in the window that decides every state (and this month); the exact last day
    # of anyone not seen in it is read only for the rows shown (server.checks.rules: the last check).
    since = min(month.start, day_start(as_of - timedelta(days=longest + 1)))
    last = await seen_since(community.id, since, moment)
    wanted = [r.id for r in roster.residents if r.id not in last and intervals[tuple(r.care_flags)] is not None
              and (full or CareFlag.HARDSHIP.value in r.care_flags)]
    if wanted:
        last.update(await last_checks_as_of(wanted, moment))
    per_group: dict[int, Counter] = defaultdict(Counter)
    needing: list[dict[str, Any]] = []
    hardship: list[dict[str, Any]] = []
    ok, hardship_flag = CheckState.OK, CareFlag.HARDSHIP.value

    def row(resident, household, status, seen) -> dict[str, Any]:
        return {
            "name": resident.name, "address": household.address,
            "group": group_names.get(household.building_group_id, ""), "flags": resident.care_flags,
            "interval": status.interval_days, "last_seen": iso(seen), "state": status.state.value,
            "days_overdue": status.days_overdue, "days_left": status.days_left,
        }

    for resident in roster.residents:
        flags = tuple(resident.care_flags)
        interval = intervals[flags]
        if interval is None:
            continue
        household = roster.households[resident.household_id]
        seen = last.get(resident.id)
        status = status_for_interval(interval, seen, at)
        counts = per_group[household.building_group_id]
        counts["flagged"] += 1
        counts[status.state] += 1
        if full and status.state is not ok:
            needing.append(row(resident, household, status, seen))
        if hardship_flag in flags and (seen is None or seen < month.start):
            hardship.append(row(resident, household, status, seen))
    hardship.sort(key=lambda r: (r["last_seen"] is not None, r["last_seen"] or "", r["address"], r["name"]))
    needing.sort(key=lambda r: (r["state"] != CheckState.OVERDUE.value, r["address"], r["name"]))
    return {
        "per_group": per_group,
        "hardship_unseen": len(hardship),
        "hardship": hardship if full else hardship[:HARDSHIP_SHOWN],
        "needing": needing,
        "imports_after": roster.imports_after,
        "group_then": roster.group_then,
    }


async def compute(
    community: Community, month: Month, moment: datetime, *, full: bool = False, live: bool = False
) -> dict[str, Any]:
    """The pack of `month` as of `moment` (the month's end for a closed month, else now).

    With `full`, the lists carry every row (the appendix and the closed month's stored lists);
    without, only what the page shows. `live`: `moment` is now (the current month's page), so
    nothing can have been received, voided or changed after it."""
    as_of = min(month.last, local_date(moment))
    rows = [v for v in await month_visits(community.id, month) if v.counted_at(moment)]
    kinds = Counter(v.kind for v in rows)
    statuses = Counter(v.status for v in rows)
    groups = await BuildingGroup.filter(community_id=community.id).prefetch_related("leaders").order_by("number")
    cases = await _cases([v.id for v in rows if v.status == VisitStatus.URGENT.value
                          or v.kind == VisitKind.MEDIATION.value], moment, live)  # one read for both lists
    urgent = [c for c in cases if c["status"] == VisitStatus.URGENT.value]
    disputes = [c for c in cases if c["kind"] == VisitKind.MEDIATION.value]
    follow_ups = await open_follow_ups(community.id, moment, as_of, None if full else FOLLOW_UPS_SHOWN, live)
    checks = await _checks(community, month, moment, as_of, full, {g.id: g.name for g in groups})
    group_then = checks["group_then"]  # households moved to another group since: counted in their old one
    by_group_visits = Counter(group_then.get(v.household_id, v.group_id) for v in rows)
    group_rows = []
    for g in groups:
        c = checks["per_group"].get(g.id, {})
        flagged, overdue = c.get("flagged", 0), c.get(CheckState.OVERDUE, 0)
        group_rows.append({
            "number": g.number, "name": g.name, "leaders": sorted(u.display_name for u in g.leaders if u.active),
            "visits": by_group_visits.get(g.id, 0), "flagged": flagged, "overdue": overdue,
            "due": c.get(CheckState.DUE, 0), "on_time": percent_text(on_time_share(flagged, overdue)),
        })
    flagged = sum(g["flagged"] for g in group_rows)
    overdue = sum(g["overdue"] for g in group_rows)
    figures = {
        "month": month.key, "as_of": as_of.isoformat(), "moment": moment.isoformat(),
        "community": community.name,
        "total": len(rows),
        "by_kind": [[VISIT_KIND_WORDS[k.value], kinds.get(k.value, 0)] for k in VisitKind],
        "by_status": [[VISIT_STATUS_WORDS_URGENT_FIRST[s], statuses.get(s, 0)] for s in VISIT_STATUS_WORDS_URGENT_FIRST],
        "urgent": urgent, "disputes": disputes,
        "follow_ups": {k: follow_ups[k] for k in ("open", "overdue")},
        "overdue_follow_ups": [r for r in follow_ups["rows"] if r["overdue_days"] > 0][:FOLLOW_UPS_SHOWN],
        "groups": group_rows,
        "checks": {
            "flagged": flagged, "overdue": overdue, "due": sum(g["due"] for g in group_rows),
            "on_time": percent_text(on_time_share(flagged, overdue)),
        },
        "hardship_unseen": checks["hardship_unseen"],
        "hardship": checks["hardship"][:HARDSHIP_SHOWN],
        # Only each phone's latest sync is kept, so "quiet" can only be said as of now (the close).
        "quiet_leaders": await quiet_leaders(community.id, now_utc(), groups),
        "roster_imports_after": checks["imports_after"],
    }
    lists = {"follow_ups": follow_ups["rows"], "needing": checks["needing"], "hardship": checks["hardship"]} if full else {}
    return {"figures": figures, "lists": lists}
