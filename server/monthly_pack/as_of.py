"""Residents as they were at a moment: today's roster with every later change undone.

A resident row holds only its present. What changed since a moment is in the audit log, each
entry with its time and what the row held before:

- `roster_approved` (a leader's proposal, approved): a new resident did not exist before; a
  move-out or death leaves the resident living there before (a proposal is made about someone
  living there, and the approval records the row's fields but not its status); an update's
  `before` holds the fields it changed.
- `resident_created` / `resident_updated` (the office's own edits): did not exist before /
  `changes` holds each field's `from`.
- `household_moved`: the household's building group `from` (by number).

What cannot be known: a roster spreadsheet import (`roster_imported`) records its counts, not
which residents it added, changed or marked moved. Imports after the moment are counted and
said on the pack (`imports_after`), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tortoise import Tortoise

from server.models import AuditEvent, BuildingGroup, Household, Resident, ResidentStatus

UNDONE_ACTIONS = ("roster_approved", "resident_created", "resident_updated", "household_moved")
ROSTER_FIELDS = ("name", "gender", "birth_year", "phone", "care_flags", "status")


@dataclass
class ResidentThen:
    id: int
    household_id: int
    name: str
    care_flags: list[str]
    status: str


@dataclass
class HouseholdThen:
    id: int
    address: str
    building_group_id: int


@dataclass
class RosterThen:
    residents: list[ResidentThen]  # active at the moment, with at least one care flag
    households: dict[int, HouseholdThen]
    group_then: dict[int, int] = field(default_factory=dict)  # household -> its group then, if moved since
    imports_after: int = 0  # roster imports after the moment: their changes are not undone
    undone: int = 0  # audit entries undone
    notes: list[str] = field(default_factory=list)


def _flags(value: Any) -> list[str]:
    if isinstance(value, str):  # raw SQL on SQLite returns the JSON text
        import json

        value = json.loads(value or "[]")
    return list(value or [])


async def _current_flagged(
    community_id: int, extra_ids: set[int], known: dict[int, HouseholdThen]
) -> dict[int, ResidentThen]:
    """Today's active residents carrying a care flag (in SQL: most residents carry none), and
    the residents a later change touched, whatever their state today. Fills `known` with the
    households of the former."""
    conn = Tortoise.get_connection("default")
    postgres = conn.capabilities.dialect == "postgres"
    p = (lambda n: f"${n}") if postgres else (lambda n: "?")
    sql = (
        "SELECT r.id, r.household_id, r.name, r.care_flags, r.status, h.address, h.building_group_id"
        " FROM resident r JOIN household h ON h.id = r.household_id"
        f" WHERE r.community_id = {p(1)} AND r.status = {p(2)} AND CAST(r.care_flags AS TEXT) NOT IN ('[]', '')"
    )
    rows = await conn.execute_query_dict(sql, [community_id, ResidentStatus.ACTIVE.value])
    found = {
        r["id"]: ResidentThen(r["id"], r["household_id"], r["name"], _flags(r["care_flags"]), str(r["status"]))
        for r in rows
    }
    for r in rows:
        known[r["household_id"]] = HouseholdThen(r["household_id"], r["address"], r["building_group_id"])
    missing = sorted(extra_ids - set(found))
    if missing:
        for r in await Resident.filter(community_id=community_id, id__in=missing).values(
            "id", "household_id", "name", "care_flags", "status"
        ):
            status = str(getattr(r["status"], "value", r["status"]))
            found[r["id"]] = ResidentThen(r["id"], r["household_id"], r["name"], _flags(r["care_flags"]), status)
    return found


def _resident_id(event: dict[str, Any]) -> int | None:
    detail = event["detail"] or {}
    value = detail.get("resident_id") if event["action"] == "roster_approved" else event["target_id"]
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def roster_as_of(community_id: int, moment: datetime) -> RosterThen:
    """Flagged residents living in the community at `moment`, with their households then."""
    moment = moment.astimezone(timezone.utc)
    events = await AuditEvent.filter(
        community_id=community_id, at__gte=moment, action__in=[*UNDONE_ACTIONS, "roster_imported"]
    ).order_by("-at", "-id").values("action", "target_id", "detail")
    imports_after = sum(1 for e in events if e["action"] == "roster_imported")
    events = [e for e in events if e["action"] != "roster_imported"]
    touched = {rid for e in events if e["action"] != "household_moved" and (rid := _resident_id(e)) is not None}
    known: dict[int, HouseholdThen] = {}
    residents = await _current_flagged(community_id, touched, known)
    household_groups: dict[int, int] = {}  # household id -> group number then (moved since)
    gone: set[int] = set()
    for event in events:  # newest first: each undo sees the row as the next-newer change left it
        detail, action = event["detail"] or {}, event["action"]
        if action == "household_moved":
            try:
                household_groups[int(event["target_id"])] = int((detail.get("building_group") or {})["from"])
            except (KeyError, TypeError, ValueError):
                pass
            continue
        rid = _resident_id(event)
        row = residents.get(rid) if rid is not None else None
        if row is None:
            continue
        if action == "resident_created" or (action == "roster_approved" and detail.get("change") == "new_resident"):
            gone.add(rid)
        elif action == "roster_approved":
            before = detail.get("before") or {}
            if "care_flags" in before:
                row.care_flags = _flags(before["care_flags"])
            row.name = before.get("name", row.name)
            if detail.get("change") in ("moved", "deceased"):
                row.status = ResidentStatus.ACTIVE.value
        elif action == "resident_updated":
            for key, change in (detail.get("changes") or {}).items():
                if key == "care_flags":
                    row.care_flags = _flags(change.get("from"))
                elif key == "status":
                    row.status = str(change.get("from"))
                elif key == "name":
                    row.name = str(change.get("from"))
    then = [
        r for r in residents.values()
        if r.id not in gone and r.status == ResidentStatus.ACTIVE.value and r.care_flags
    ]
    group_then: dict[int, int] = {}
    if household_groups:
        numbers = dict(await BuildingGroup.filter(community_id=community_id).values_list("number", "id"))
        group_then = {h: numbers[n] for h, n in household_groups.items() if n in numbers}
    households = await _households(community_id, {r.household_id for r in then}, group_then, known)
    then = [r for r in then if r.household_id in households]
    return RosterThen(then, households, group_then, imports_after, len(events))


async def _households(
    community_id: int, ids: set[int], group_then: dict[int, int], known: dict[int, HouseholdThen]
) -> dict[int, HouseholdThen]:
    """The households then: those read with the residents, the others read now; a household
    that changed group since is put back in the group it was in."""
    found = {i: known[i] for i in ids if i in known}
    missing = sorted(ids - set(found))
    if missing:
        for row in await Household.filter(community_id=community_id, id__in=missing).values(
            "id", "address", "building_group_id"
        ):
            found[row["id"]] = HouseholdThen(row["id"], row["address"], row["building_group_id"])
    for household_id, group_id in group_then.items():
        if household_id in found:
            found[household_id].building_group_id = group_id
    return found
