"""Prometheus metrics count what the committee's IT person watches: pushes by outcome, their
size, time and oldest record, login failures and export sizes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY

from tests.factories import api_login
from tests.test_sync_api import PUSH, csrf, envelope, visit_record


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_push_is_counted_by_each_records_outcome(client, world):
    token = await api_login(client, "leader01")
    before = {o: sample("louzu_sync_records_total", outcome=o) for o in ("applied", "duplicate", "rejected")}
    pushes, records = sample("louzu_sync_push_seconds_count"), sample("louzu_sync_push_records_sum")
    old = visit_record(world.households[0])
    old["client_time"] = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    fresh = visit_record(world.households[1])
    outside = visit_record(world.other_household)
    first = await client.post(PUSH, json=envelope(old, fresh, outside), headers=csrf(token))
    again = await client.post(PUSH, json=envelope(old), headers=csrf(token))
    assert [r["status"] for r in first.json()["results"] + again.json()["results"]] == [
        "applied", "applied", "rejected", "duplicate"]
    after = {o: sample("louzu_sync_records_total", outcome=o) - before[o] for o in before}
    assert after == {"applied": 2, "duplicate": 1, "rejected": 1}
    assert sample("louzu_sync_push_seconds_count") - pushes == 2
    assert sample("louzu_sync_push_records_sum") - records == 4
    # The two-day-old record lands above the one-day bucket, below three days.
    assert sample("louzu_sync_oldest_record_age_seconds_bucket", le="86400.0") < sample(
        "louzu_sync_oldest_record_age_seconds_bucket", le="259200.0")


async def test_login_failures_and_export_sizes_are_counted(client, world):
    failures = sample("louzu_login_failures_total", way="password")
    wrong = await client.post("/api/auth/login", json={"username": "leader01", "password": "wrong"})
    assert wrong.status_code == 401
    assert sample("louzu_login_failures_total", way="password") - failures == 1

    exports, size = sample("louzu_export_bytes_count", format="csv"), sample("louzu_export_bytes_sum", format="csv")
    await api_login(client, "office")
    response = await client.get("/office/visits.csv")
    assert response.status_code == 200
    assert sample("louzu_export_bytes_count", format="csv") - exports == 1
    assert sample("louzu_export_bytes_sum", format="csv") - size == len(response.content)
