"""Roster proposals from leaders' phones (`roster_change` records): approve, reject, approve the selected.

The roster is office-owned: a proposal changes nothing until approved, and approval applies it
to Resident in the same transaction as the decision and its audit row, or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.core.clock import now_utc
from server.models import (
    Resident,
    ResidentStatus,
    RosterChange,
    RosterChangeKind,
    RosterChangeState,
    User,
)
from server.office.households import SAME_PERSON, same_person
from sync.records import MAX_TEXT_CHARS
from sync.vocabulary import N_

DECIDED_SHOWN = 50
# "Approve the selected" takes at most this many proposals in one go (a page shows 50).
MAX_SELECTED = 200
# What a resident's row holds of each proposable field (the rest of the row is never touched).
RESIDENT_FIELDS = ("name", "gender", "birth_year", "phone", "care_flags")


class RosterRefused(Exception):
    """A decision was refused; `message` is a Chinese msgid shown next to `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def with_people(query):
    return query.select_related("household__building_group", "resident", "author", "decided_by")


@dataclass
class RosterListing:
    pending: list[RosterChange]  # newest first
    decided: list[RosterChange]  # latest decisions first


async def household_proposals(community_id: int | None, household_id: int) -> RosterListing:
    """One household's proposals, for its page (the proposals page pages through them all:
    server/office/roster_listing.py)."""
    query = RosterChange.filter(community_id=community_id, household_id=household_id)
    pending = await with_people(query.filter(state=RosterChangeState.PENDING)).order_by("-received_at")
    decided = await with_people(query.exclude(state=RosterChangeState.PENDING)).order_by("-decided_at").limit(
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
    return await with_people(RosterChange.filter(id=parsed, community_id=community_id)).first()


def current_values(resident: Resident | None) -> dict[str, Any]:
    if resident is None:
        return {}
    return {key: getattr(resident, key) for key in RESIDENT_FIELDS}


async def approve(request: Request, change: RosterChange, actor: User) -> Resident:
    now = now_utc()
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
    now = now_utc()
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
        if await same_person(change.household_id, proposed["name"], proposed["birth_year"]):
            raise RosterRefused("decision", SAME_PERSON)
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
        name, birth_year = changed.get("name", resident.name), changed.get("birth_year", resident.birth_year)
        if {"name", "birth_year"} & set(changed) and await same_person(
            resident.household_id, name, birth_year, resident.id
        ):
            raise RosterRefused("decision", SAME_PERSON)
    else:
        changed = {"status": ResidentStatus.MOVED if kind is RosterChangeKind.MOVED else ResidentStatus.DECEASED}
    for key, value in changed.items():
        setattr(resident, key, value)
    await resident.save(update_fields=[*changed, "updated_at"])
    return resident


@dataclass
class SelectedOutcome:
    """What "approve the selected" did: who was approved, and each refusal with its reason."""

    approved: list[RosterChange]
    failed: list[tuple[str, RosterChange | None, str]]  # (id as sent, the proposal if ours, msgid)


async def approve_selected(request: Request, community_id: int | None, ids: list[str], actor: User) -> SelectedOutcome:
    """Approves each proposal on its own, in its own transaction (with `approve`): one that
    cannot be approved is reported and the others still are."""
    outcome = SelectedOutcome([], [])
    for change_id in dict.fromkeys(ids):  # each once, in the page's order
        change = await community_change(community_id, change_id)
        if change is None:  # unknown, malformed, or another community's: all the same to the caller
            outcome.failed.append((change_id, None, N_("找不到这条建议。")))
            continue
        try:
            await approve(request, change, actor)
        except RosterRefused as refused:
            outcome.failed.append((change_id, change, refused.message))
        else:
            outcome.approved.append(change)
    return outcome


def _code(value: Any) -> str:
    return str(getattr(value, "value", value))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _code(value) if key == "status" else value for key, value in values.items()}
