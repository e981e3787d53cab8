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


def test_one_louzu_serve_serves_its_own_metrics_on_the_metrics_port(tmp_path):
    import httpx

    from tests.cli_process import free_port, own_store, start_serve, stop, wait_until_up

    with own_store(tmp_path, "metrics") as env:
        port, metrics_port = free_port(), free_port()
        env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        server = start_serve({**env, "LOUZU_METRICS_PORT": str(metrics_port)}, port)
        try:
            wait_until_up(server, port)
            scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
            assert 'louzu_sync_records_total{outcome="applied"} 0.0' in scraped
            assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404  # never on the app's port
        finally:
            stop(server)


def test_louzu_metrics_without_the_shared_directory_says_what_is_missing(tmp_path):
    from tests.cli_process import base_env, louzu

    env = {k: v for k, v in base_env(tmp_path).items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    result = louzu({**env, "LOUZU_METRICS_PORT": "9108"}, "metrics")
    assert result.returncode == 2 and "PROMETHEUS_MULTIPROC_DIR" in result.stderr
