"""The deployment for real, on loopback: Debian's nginx with deploy/nginx/louzu.conf (HTTPS, a
throwaway self-signed certificate) in front of two `louzu serve` processes started at the same
moment on an empty PostgreSQL database. A phone's visits sync through it; the process applying a
push is killed (kill -9) mid-push, the phone retries through nginx to the other one, and every
visit is stored exactly once. The login throttle and the audit log see the phone's address, not
the proxy's; the metrics of both processes add up (`louzu metrics`)."""

from __future__ import annotations

import asyncio
import re
import secrets
import ssl
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg
import httpx
import pytest

from server.auth.throttle import account_key
from tests import conftest
from tests.cli_process import GOOD_PASSWORD, free_port, louzu, own_store
from tests.deploy_stack import CLIENT_ADDRESS, Stack, nginx_binary, nginx_conf, render_site, self_signed_certificate
from tests.roster_files import csv_bytes, person

pytestmark = pytest.mark.skipif(
    conftest.TEST_DB != "postgres", reason="several app processes share PostgreSQL (LOUZU_TEST_DB=postgres)"
)

COMMUNITY = "天山路第一居民区"
BIG_PUSH = 500  # the protocol's most per push: long enough to be killed in the middle
# A run of new visits is stored in one transaction (sync/visit_batch.py), so the big push is a
# phone's day with corrections in it: 20 runs of 24 new visits, each run followed by an update
# of its last visit. It commits run by run, and a kill can land between two commits.
RUN = 24


def visit(household_id: int) -> dict:
    now = datetime.now(timezone(timedelta(hours=8)))
    return {
        "id": str(uuid.uuid4()), "type": "visit", "op": "create", "base_version": None,
        "client_time": now.isoformat(timespec="seconds"),
        "data": {"household_id": household_id, "resident_ids": [], "kind": "routine",
                 "occurred_at": (now - timedelta(minutes=3)).isoformat(timespec="seconds"), "status": "ok",
                 "notes": "一切安好", "follow_up_needed": False, "follow_up_due": None},
    }


def update(record: dict) -> dict:
    return {**record, "op": "update", "base_version": 1, "data": {**record["data"], "status": "concern"}}


def big_push(households: list[int]) -> list[dict]:
    records: list[dict] = []
    while len(records) < BIG_PUSH:
        run = [visit(households[n % len(households)]) for n in range(RUN)]
        records += [*run, update(run[-1])]
    assert len(records) == BIG_PUSH
    return records


def push_body(records: list[dict]) -> dict:
    return {"protocol": 1, "device_id": "phone-through-nginx", "records": records}


@pytest.fixture
def store(tmp_path):
    with own_store(tmp_path / "data", "nginx") as env:
        yield env


async def _pg(env, sql: str, *args):
    conn = await asyncpg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def outbox_push(phone: httpx.AsyncClient, token: str, records: list[dict], tries: int = 10) -> dict:
    """What the phone's outbox does: send until an answer comes, whatever the network says."""
    for _ in range(tries):
        try:
            response = await phone.post("/api/sync/push", json=push_body(records), headers={"X-CSRFToken": token})
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            return response.json()
        await asyncio.sleep(0.3)
    raise AssertionError(f"no answer after {tries} tries")


async def test_two_processes_behind_nginx_survive_a_kill_mid_push(store, tmp_path):
    run = tmp_path / "run"
    (run / "metrics").mkdir(parents=True)
    (tmp_path / "data").mkdir(exist_ok=True)  # where the test hook notes the pushing process
    stack = Stack(run)
    app_ports = [free_port(), free_port()]
    http_port, https_port, metrics_port = free_port(), free_port(), free_port()
    env = {**store, "SECRET_KEY": secrets.token_urlsafe(48), "LOUZU_TRUSTED_PROXIES": "127.0.0.1",
           "LOUZU_HTTPS": "1", "LOUZU_TEST_HOOKS": "1", "PROMETHEUS_MULTIPROC_DIR": str(run / "metrics"),
           "LOUZU_METRICS_PORT": str(metrics_port)}
    cert, key = self_signed_certificate(run)
    conf = nginx_conf(run, render_site(run, http_port, https_port, app_ports, cert, key))
    try:
        # Both at the same moment, on a database with no tables yet: both migrate, both come up.
        for number, port in enumerate(app_ports):
            stack.start_app(f"app{number}", port, env)
        for number, port in enumerate(app_ports):
            stack.wait_until_up(f"app{number}", f"http://127.0.0.1:{port}/readyz")
        stack.start("nginx", [nginx_binary(), "-p", str(run), "-c", str(conf), "-g", "daemon off;"])
        stack.wait_until_up("nginx", f"http://127.0.0.1:{http_port}/")

        roster = run / "名册.csv"
        roster.write_bytes(csv_bytes([person(1, room=str(101 + n), name=f"居民{n}") for n in range(3)]))
        for args in (("createcommunity", COMMUNITY, "--subdistrict", "天山路街道"),
                     ("import-roster", str(roster), "--community", COMMUNITY),
                     ("createuser", "leader01", "--role", "leader", "--community", COMMUNITY, "--group", "1",
                      "--password", GOOD_PASSWORD)):
            done = louzu(env, *args)
            assert done.returncode == 0, done.stderr
        households = [row["id"] for row in await _pg(env, "SELECT id FROM household ORDER BY id")]

        plain = httpx.get(f"http://127.0.0.1:{http_port}/login?next=/", follow_redirects=False)
        assert plain.status_code == 301 and plain.headers["location"].startswith("https://127.0.0.1")

        tls = ssl.create_default_context(cafile=str(cert))
        transport = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS, verify=tls)
        async with httpx.AsyncClient(transport=transport, base_url=f"https://127.0.0.1:{https_port}",
                                     timeout=60) as phone:
            # A wrong password, with an X-Forwarded-For the phone made up: recorded as the phone's own address.
            spoofed = {"X-Forwarded-For": "203.0.113.9"}
            wrong = await phone.post("/api/auth/login", json={"username": "leader01", "password": "nope"},
                                     headers=spoofed)
            assert wrong.status_code == 401
            # What the login throttle counts: leader01 from the phone's address (a success clears it, so
            # look now); the key is a digest of both, so the proxy's address would give another key.
            runs = await _pg(env, "SELECT key FROM login_throttle WHERE failures > 0")
            assert [row["key"] for row in runs] == [account_key("leader01", CLIENT_ADDRESS)]
            login = await phone.post("/api/auth/login", json={"username": "leader01", "password": GOOD_PASSWORD})
            assert login.status_code == 200, login.text
            assert re.fullmatch(r"[0-9a-f]{32}", login.headers["x-request-id"])  # nginx's $request_id, passed on
            token = login.json()["csrf_token"]

            first = [visit(households[n % 3]) for n in range(20)]
            answers = [await outbox_push(phone, token, first)]
            assert [r["status"] for r in answers[0]["results"]] == ["applied"] * 20

            big = big_push(households)
            creates = sum(record["op"] == "create" for record in big)
            sending = asyncio.create_task(phone.post(
                "/api/sync/push", json=push_body(big), headers={"X-CSRFToken": token, "x-louzu-test-fault": "note-pid"}))
            stored_at_kill = await kill_mid_push(stack, env, run, sending) - 20
            assert 0 < stored_at_kill < creates, "the kill came before or after the push, not in the middle"
            updated_at_kill = (await _pg(env, "SELECT count(*) AS n FROM visit_revision WHERE op = 'update'"))[0]["n"]

            answers.append(await outbox_push(phone, token, big))  # the outbox sends it again
            statuses = [r["status"] for r in answers[-1]["results"]]
            assert statuses.count("duplicate") == stored_at_kill + updated_at_kill
            assert statuses.count("applied") == BIG_PUSH - stored_at_kill - updated_at_kill
            answers.append(await outbox_push(phone, token, first))  # and an old batch, once more
            assert {r["status"] for r in answers[-1]["results"]} == {"duplicate"}

        rows = await _pg(env, "SELECT id::text AS id FROM visit")
        assert len(rows) == creates + 20
        assert {row["id"] for row in rows} == {record["id"] for record in first + big}
        updates = await _pg(env, "SELECT count(*) AS n FROM visit_revision WHERE op = 'update'")
        assert updates[0]["n"] == BIG_PUSH - creates  # each correction applied once

        audit = await _pg(env, "SELECT action, ip FROM audit_event WHERE action IN ('login', 'login_failed')")
        assert sorted((row["action"], row["ip"]) for row in audit) == [
            ("login", CLIENT_ADDRESS), ("login_failed", CLIENT_ADDRESS)]

        stack.start("metrics", [sys.executable, "-m", "server.cli", "metrics"], env)
        stack.wait_until_up("metrics", f"http://127.0.0.1:{metrics_port}/metrics")
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        for outcome in ("applied", "duplicate"):
            answered = sum(r["status"] == outcome for answer in answers for r in answer["results"])
            assert metric(scraped, f'louzu_sync_records_total{{outcome="{outcome}"}}') == answered
        assert metric(scraped, 'louzu_login_failures_total{way="password"}') == 1
    finally:
        stack.stop()


def metric(scraped: str, name: str) -> float:
    for line in scraped.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} is not in the metrics:\n{scraped}")


async def kill_mid_push(stack: Stack, env: dict, run, sending: asyncio.Task) -> int:
    """Waits until the big push is partly stored, then kill -9 the process applying it;
    answers how many visits the store holds once it is dead."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        marks = list(run.parent.glob("data/pushing-*"))
        stored = (await _pg(env, "SELECT count(*) AS n FROM visit"))[0]["n"]
        if marks and stored > 20:
            pid = int(marks[0].name.split("-")[1])
            assert pid in [process.pid for process in stack.processes.values()]
            stack.kill(pid)
            try:
                response = await sending
                assert response.status_code == 502  # nginx: the process went away mid-answer
            except httpx.TransportError:
                pass  # or the connection itself broke: the phone sees the same thing, no answer
            return (await _pg(env, "SELECT count(*) AS n FROM visit"))[0]["n"]
        if sending.done():
            raise AssertionError(f"the push finished before it could be killed: {sending.result().status_code}")
        await asyncio.sleep(0.01)
    raise AssertionError("the push never started")
