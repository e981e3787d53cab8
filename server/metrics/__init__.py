"""Prometheus metrics of what matters to the committee's IT person: pushes by outcome, push
latency, records per push, how old the oldest record is when it arrives, login failures, export
sizes. Served on their own port (server/metrics/exporter.py), never on the public one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram

# Counters and histograms only: they add up across processes in multiprocess mode without a
# per-metric mode to choose (a gauge would need one).
PUSHED_RECORDS = Counter(
    "louzu_sync_records", "Records pushed by phones, by their result (applied, duplicate, conflict, rejected).",
    ["outcome"],
)
PUSH_SECONDS = Histogram(
    "louzu_sync_push_seconds", "Time to apply one push and answer it, in seconds.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RECORDS_PER_PUSH = Histogram(
    "louzu_sync_push_records", "Records in one push.", buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
# From the phone's own clock (client_time, when the entry was saved): a wrong clock skews it,
# but a long tail still shows phones that stay offline for days.
OLDEST_RECORD_AGE = Histogram(
    "louzu_sync_oldest_record_age_seconds",
    "Per push: seconds between the oldest record's save on the phone and its arrival.",
    buckets=(10, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400),
)
LOGIN_FAILURES = Counter(
    "louzu_login_failures", "Refused logins: a wrong password or unknown user, or a refused sign-in card.",
    ["way"],
)
EXPORT_BYTES = Histogram(
    "louzu_export_bytes", "Size of each office export as sent, in bytes.", ["format"],
    buckets=(1e4, 1e5, 1e6, 5e6, 2e7, 5e7, 1e8, 5e8),
)

# The audit actions that are a refused way in (server/audit/__init__.py counts them as they are written).
LOGIN_FAILURE_ACTIONS = {"login_failed": "password", "sign_in_card_refused": "card"}
OUTCOMES = ("applied", "duplicate", "conflict", "rejected")

for _outcome in OUTCOMES:  # every outcome is exported from the start, at 0
    PUSHED_RECORDS.labels(_outcome)
for _way in LOGIN_FAILURE_ACTIONS.values():
    LOGIN_FAILURES.labels(_way)


def _saved_at(record: Any) -> datetime | None:
    text = record.get("client_time") if isinstance(record, dict) else None
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def observe_push(records: list[Any], results: Iterable[Any], seconds: float, now: datetime) -> None:
    """One answered push: its records by result status, its size, time, and oldest record."""
    for result in results:
        PUSHED_RECORDS.labels(result.status).inc()
    RECORDS_PER_PUSH.observe(len(records))
    PUSH_SECONDS.observe(seconds)
    saved = [moment for moment in map(_saved_at, records) if moment is not None]
    if saved:
        OLDEST_RECORD_AGE.observe(max(0.0, (now - min(saved)).total_seconds()))


def observe_audit(action: str) -> None:
    way = LOGIN_FAILURE_ACTIONS.get(action)
    if way:
        LOGIN_FAILURES.labels(way).inc()


async def counted_export(kind: str, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Passes an export's pieces through and records its size once it is all sent."""
    size = 0
    async for piece in body:
        size += len(piece)
        yield piece
    EXPORT_BYTES.labels(kind).observe(size)
