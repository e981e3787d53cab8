"""Queues an alert for every urgent visit and every answer that arrived lately and has none.

Run every few seconds by the worker (server/alerts/worker.py), never by the push: the push's
transaction stays the ingest's own, and an alert is queued from what is committed, so a crash
between the push and the queueing only delays it to the next look. `source_key` is unique:
two app processes looking at once queue it once (the second insert is ignored).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.models import Alert, AlertKind, AlertState, QuestionAnswer, VisitRevision, VisitStatus

# How far back each look reaches: longer than any restart or outage of the app, short enough
# that the look reads one day of revisions (an index range of visit_revision.received_at).
LOOKBACK = timedelta(hours=24)


def source_key(kind: AlertKind, source_id: object) -> str:
    return f"{kind.value}:{source_id}"


async def queue_new_alerts(now: datetime) -> int:
    """Queues what is missing; returns how many were queued. Safe to run any number of times."""
    cutoff = now - LOOKBACK
    wanted: dict[str, Alert] = {}
    # Every applied revision (a create or an update) of a visit that is urgent and counts now:
    # a visit changed from 需要关注 to 紧急 alerts too, once.
    urgent = await VisitRevision.filter(
        received_at__gte=cutoff, outcome="applied", visit__status=VisitStatus.URGENT,
        visit__withdrawn=False, visit__voided_at__isnull=True,
    ).values_list("visit_id", "visit__community_id")
    for visit_id, community_id in urgent:
        key = source_key(AlertKind.URGENT_VISIT, visit_id)
        wanted[key] = Alert(
            community_id=community_id, kind=AlertKind.URGENT_VISIT, source_key=key, visit_id=visit_id,
            next_try_at=now, state=AlertState.PENDING,
        )
    answers = await QuestionAnswer.filter(received_at__gte=cutoff).values_list(
        "id", "question__visit_id", "question__community_id"
    )
    for answer_id, visit_id, community_id in answers:
        key = source_key(AlertKind.ANSWER, answer_id)
        wanted[key] = Alert(
            community_id=community_id, kind=AlertKind.ANSWER, source_key=key, visit_id=visit_id,
            answer_id=answer_id, next_try_at=now, state=AlertState.PENDING,
        )
    if not wanted:
        return 0
    known = set(await Alert.filter(source_key__in=list(wanted)).values_list("source_key", flat=True))
    missing = [alert for key, alert in wanted.items() if key not in known]
    if missing:
        # A process that queued the same alert in between makes this insert a no-op, not a second row.
        await Alert.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
