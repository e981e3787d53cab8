"""Sends queued alerts: claims each one, posts it to the committee's robot, records the outcome.

Several app processes may run this at once. A process claims an alert with one conditional
UPDATE (state pending → sending, with its own random claim and a lease); only one UPDATE can
match, so one process sends it, and only the claim's holder may record the outcome. Nothing is
held open during the HTTP call.

Exactly once, as far as an HTTP robot allows: an alert is marked sent right after the robot
answered OK, before anything else. If the process dies in that gap (answer received, not yet
recorded), the lease runs out and the alert is sent again: the one at-least-once case left.
The lease (LEASE) is many times the HTTP timeout, so a slow but living sender is never raced.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from datetime import datetime, timedelta

import httpx
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server import audit
from server.alerts.webhook import Message, Outcome, post
from server.core.clock import now_utc
from server.models import (
    Alert,
    AlertKind,
    AlertSetting,
    AlertState,
    QuestionAnswer,
    QuestionState,
    Visit,
    VisitStatus,
)
from server.settings import Settings
from sync.vocabulary import VISIT_KIND_WORDS

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 12  # with a 15 s base and a 30 min cap: tried for about two and a half hours
MAX_DELAY = timedelta(minutes=30)
BATCH = 20  # alerts per look; the rest wait for the next look a few seconds later


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """Exponential backoff with a little jitter, so many alerts failing together spread out."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), MAX_DELAY.total_seconds())
    return timedelta(seconds=delay * random.uniform(1.0, 1.1))


async def release_expired_leases(now: datetime) -> int:
    """Alerts whose sender died mid-send go back to the queue (the at-least-once case)."""
    expired = Alert.filter(state=AlertState.SENDING, lease_until__lt=now)
    # Looked at first: on SQLite even an UPDATE that matches nothing takes the write lock, and a
    # look every few seconds must not get in the way of another process's write (the CLI's import).
    if not await expired.exists():
        return 0
    return await expired.update(state=AlertState.PENDING, claim="", lease_until=None)


async def _claim(alert_id: int, now: datetime) -> str | None:
    claim = secrets.token_hex(8)
    taken = await Alert.filter(id=alert_id, state=AlertState.PENDING, next_try_at__lte=now).update(
        state=AlertState.SENDING, claim=claim, lease_until=now + LEASE, attempts=F("attempts") + 1
    )
    return claim if taken else None


async def deliver_due(
    settings: Settings, client: httpx.AsyncClient, now: datetime, stopping: asyncio.Event | None = None
) -> int:
    """Tries every alert that is due (until the app stops); returns how many were sent."""
    await release_expired_leases(now)
    due = await Alert.filter(state=AlertState.PENDING, next_try_at__lte=now).order_by("next_try_at", "id").limit(
        BATCH
    ).values_list("id", flat=True)
    sent = 0
    for alert_id in due:
        if stopping is not None and stopping.is_set():
            break  # a restart: the rest wait, unclaimed, for the next process
        claim = await _claim(alert_id, now)
        if claim is None:
            continue  # another process has it
        sent += await _deliver(settings, client, alert_id, claim)
    return sent


async def _deliver(settings: Settings, client: httpx.AsyncClient, alert_id: int, claim: str) -> int:
    alert = await Alert.get(id=alert_id).select_related("visit__household__building_group", "visit__author")
    setting = await AlertSetting.get_or_none(community_id=alert.community_id)
    message = await message_for(alert, settings, setting)
    if setting is None or not setting.webhook_url or message is None:
        # No robot for this committee, or the entry no longer calls for it (withdrawn, voided,
        # not urgent any more, the question closed): nothing leaves the server.
        await _finish(alert, claim, state=AlertState.SKIPPED)
        return 0
    outcome = await post(client, setting.webhook_url, message.payload(setting.webhook_url))
    now = now_utc()
    if outcome.ok:
        # First, before anything else: the smaller this gap, the rarer a second send. The audit
        # row commits with it, so a sent alert is never missing from the log.
        async with in_transaction():
            if await _finish(alert, claim, state=AlertState.SENT, sent_at=now, last_error=""):
                await _audit(alert, "alert_sent")
        return 1
    await _failed(settings, alert, claim, outcome, now)
    return 0


async def _failed(settings: Settings, alert: Alert, claim: str, outcome: Outcome, now: datetime) -> None:
    attempts = alert.attempts  # already counted by the claim
    if attempts >= MAX_ATTEMPTS:
        async with in_transaction():
            if await _finish(alert, claim, state=AlertState.FAILED, last_error=outcome.error):
                await _audit(alert, "alert_failed", error=outcome.error)
        return
    await _finish(
        alert, claim, state=AlertState.PENDING, last_error=outcome.error,
        next_try_at=now + retry_delay(attempts, settings.alert_retry_base_seconds),
    )


async def _finish(alert: Alert, claim: str, **changes) -> bool:
    """Records the outcome if this process still holds the claim (its lease did not run out)."""
    return bool(await Alert.filter(id=alert.id, claim=claim, state=AlertState.SENDING).update(
        claim="", lease_until=None, **changes
    ))


async def _audit(alert: Alert, action: str, **detail) -> None:
    await audit.record(
        None, action, target_type="visit", target_id=alert.visit_id, community_id=alert.community_id,
        alert=alert.kind.value if hasattr(alert.kind, "value") else str(alert.kind), attempts=alert.attempts,
        **detail,
    )


def site_address(settings: Settings, setting: AlertSetting | None) -> str:
    """Where the links in the messages point: the deployment's address, else the admin's."""
    return settings.public_url or (setting.site_url if setting else "") or ""


def _plain(text: str) -> str:
    # Names and addresses go into markdown: no line breaks or link syntax of their own.
    return " ".join(str(text).split()).translate(str.maketrans("", "", "[]()<>*`"))


async def message_for(alert: Alert, settings: Settings, setting: AlertSetting | None) -> Message | None:
    """What the chat group reads: address, kind, the leader's name and a link. Never the notes,
    never a resident's name. None when the entry no longer calls for an alert."""
    visit: Visit = alert.visit
    if visit.withdrawn or visit.voided_at is not None:
        return None
    household = visit.household
    place = [f"地址：{_plain(household.address)}", f"楼组：{_plain(household.building_group.name)}"]
    link = f"{site_address(settings, setting)}/office/visits/{visit.id}"
    if alert.kind == AlertKind.URGENT_VISIT:
        if visit.status != VisitStatus.URGENT:
            return None
        kind = VISIT_KIND_WORDS.get(getattr(visit.kind, "value", visit.kind), "")
        return Message("楼组通 · 紧急走访记录", (*place, f"类型：{kind}", f"楼组长：{_plain(visit.author.display_name)}"),
                       link)
    answer = await QuestionAnswer.get_or_none(id=alert.answer_id).select_related("question", "author")
    if answer is None or answer.question.state == QuestionState.CLOSED:
        return None
    return Message("楼组通 · 楼组长回答了退回的问题", (*place, f"楼组长：{_plain(answer.author.display_name)}"),
                   f"{link}#question-{answer.question_id}")
