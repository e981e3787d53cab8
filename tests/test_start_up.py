"""Start-up and upgrades: any number of processes start together on one store, and a release
refuses a store migrated by a newer one. Real `louzu` processes on a store of their own."""

from __future__ import annotations

import httpx
import pytest

from tests.cli_process import free_port, louzu, own_store, start_serve, stop, store_sql, wait_until_up

FUTURE_MIGRATION = "0999_from_a_newer_release"


def test_two_processes_started_together_on_an_empty_store_both_come_up(tmp_path):
    # Before the migration lock, one of two died on PostgreSQL ("duplicate key ...
    # tortoise_migrations"), 3 of 3 tries.
    with own_store(tmp_path, "race") as env:
        ports = [free_port(), free_port()]
        servers = [start_serve(env, port) for port in ports]
        try:
            for server, port in zip(servers, ports):
                wait_until_up(server, port)
            for port in ports:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                assert ready.status_code == 200, ready.text
        finally:
            outputs = [stop(server) for server in servers]
    assert all("Traceback" not in output for output in outputs), outputs
    # Each migration was applied once, by whichever process held the lock.
    applied = "".join(outputs).count("applied migration models.0001_initial")
    assert applied == 1, outputs


@pytest.fixture
def store_from_a_newer_release(tmp_path):
    with own_store(tmp_path, "newer") as env:
        assert louzu(env, "migrate").returncode == 0
        store_sql(env, "INSERT INTO tortoise_migrations (app, name, applied_at) "
                       f"VALUES ('models', '{FUTURE_MIGRATION}', CURRENT_TIMESTAMP)")
        yield env


def test_a_store_migrated_by_a_newer_release_is_refused(store_from_a_newer_release):
    env = store_from_a_newer_release
    for command in (("serve", "--port", "9"), ("migrate",),
                    ("createcommunity", "江苏路第二居民区", "--subdistrict", "江苏路街道")):
        result = louzu(env, *command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "更新版本的楼组通" in result.stderr and FUTURE_MIGRATION in result.stderr, command
        assert "Traceback" not in result.stderr
        assert "serving" not in result.stdout
