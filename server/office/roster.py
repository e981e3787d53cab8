"""Roster proposals from leaders' phones (`roster_change` records): list, approve, reject.

The roster is office-owned: a proposal changes nothing until approved, and approval applies it
to Resident in the same transaction as the decision and its audit row, or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.models import Resident, ResidentStatus, RosterChange, RosterChangeKind, RosterChangeState, User
from server.office.labels import N_
from sync.records import MAX_TEXT_CHARS

DECIDED_SHOWN = 50
# What a resident's row holds of each proposable field (the rest of the row is never touched).
RESIDENT_FIELDS = ("name", "gender", "birth_year", "phone", "care_flags")


class RosterRefused(Exception):
    """A decision was refused; `message` is a Chinese msgid shown next to `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _with_people(query):
    return query.select_related("household__building_group", "resident", "author", "decided_by")


@dataclass
class RosterListing:
    pending: list[RosterChange]  # newest first
    decided: list[RosterChange]  # latest decisions first


async def roster_listing(community_id: int | None, household_id: int | None = None) -> RosterListing:
    query = RosterChange.filter(community_id=community_id)
    if household_id is not None:
        query = query.filter(household_id=household_id)
    pending = await _with_people(query.filter(state=RosterChangeState.PENDING)).order_by("-received_at")
    decided = await _with_people(query.exclude(state=RosterChangeState.PENDING)).order_by("-decided_at").limit(
        DECIDED_SHOWN
    )
    return RosterListing(list(pending), list(decided))


async def community_change(community_id: int | None, change_id: str) -> RosterChange | None:
    """The proposal if it belongs to this community; None (a 404) for a foreign or unknown id."""
    try:
        parsed = uuid.UUID(change_id)
    except ValueError:
        return None
    if community_id is None:
        return None
    return await _with_people(RosterChange.filter(id=parsed, community_id=community_id)).first()


def current_values(resident: Resident | None) -> dict[str, Any]:
    if resident is None:
        return {}
    return {key: getattr(resident, key) for key in RESIDENT_FIELDS}


async def approve(request: Request, change: RosterChange, actor: User) -> Resident:
    now = datetime.now(timezone.utc)
    async with in_transaction():
        await _claim(change, RosterChangeState.APPROVED, actor, now)
        before = current_values(change.resident) if change.resident_id else {}
        resident = await _apply(change)
        if change.kind == RosterChangeKind.NEW_RESIDENT:
            # The proposal now names whom it created: the roster page and audit can link to them.
            await RosterChange.filter(id=change.id).update(resident_id=resident.id)
        await audit.record(
            request, "roster_approved", actor=actor, target_type="roster_change", target_id=change.id,
            change=_code(change.kind), household_id=change.household_id, resident_id=resident.id,
            proposed=change.proposed, before=_plain(before),
        )
    return resident


async def reject(request: Request, change: RosterChange, actor: User, reason_text: str | None) -> None:
    reason = (reason_text or "").replace("\r\n", "\n").strip()
    if not reason:
        raise RosterRefused("reason", N_("不采纳时请写明原因，楼组长会在手机上看到。"))
    if len(reason) > MAX_TEXT_CHARS:
        raise RosterRefused("reason", N_("原因最多 2000 个字。"))
    now = datetime.now(timezone.utc)
    async with in_transaction():
        await _claim(change, RosterChangeState.REJECTED, actor, now, reason)
        await audit.record(
            request, "roster_rejected", actor=actor, target_type="roster_change", target_id=change.id,
            change=_code(change.kind), household_id=change.household_id, resident_id=change.resident_id,
            proposed=change.proposed, reason=reason,
        )


async def _claim(
    change: RosterChange, state: RosterChangeState, actor: User, now: datetime, reason: str = ""
) -> None:
    # Conditional on "pending": two staff deciding at once cannot both win (nor apply twice).
    decided = await RosterChange.filter(id=change.id, state=RosterChangeState.PENDING).update(
        state=state, decided_by_id=actor.id, decided_at=now, decision_reason=reason, updated_at=now
    )
    if not decided:
        raise RosterRefused("decision", N_("这条建议已经处理过了，请刷新页面后再看。"))


async def _apply(change: RosterChange) -> Resident:
    proposed = dict(change.proposed or {})
    kind = RosterChangeKind(change.kind)
    if kind is RosterChangeKind.NEW_RESIDENT:
        return await Resident.create(
            community_id=change.community_id, household_id=change.household_id, name=proposed["name"],
            gender=proposed["gender"], birth_year=proposed["birth_year"], phone=proposed.get("phone"),
            care_flags=proposed.get("care_flags", []), status=ResidentStatus.ACTIVE,
        )
    resident = await Resident.filter(
        id=change.resident_id, household_id=change.household_id, community_id=change.community_id
    ).select_for_update().first()
    if resident is None:  # cannot happen while residents are never deleted; refuse rather than guess
        raise RosterRefused("decision", N_("找不到这位居民，不能按这条建议修改。"))
    if kind is RosterChangeKind.UPDATE:
        changed = {key: value for key, value in proposed.items() if key in RESIDENT_FIELDS}
    else:
        changed = {"status": ResidentStatus.MOVED if kind is RosterChangeKind.MOVED else ResidentStatus.DECEASED}
    for key, value in changed.items():
        setattr(resident, key, value)
    await resident.save(update_fields=[*changed, "updated_at"])
    return resident


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _code(value) if key == "status" else value for key, value in values.items()}
