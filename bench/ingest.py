"""Batch ingest speed: a push of 500 visits against one POST per visit and a raw executemany.

Run: .venv/bin/python bench/ingest.py      (a fresh store per engine, demo committee loaded)
     LOUZU_BENCH_STORES=postgres .venv/bin/python bench/ingest.py
Prints records per second, median of LOUZU_BENCH_ROUNDS rounds (default 3), the three measured
interleaved in each round on the same database:
  (a)  POST /api/sync/push, batches of 500 visits, one leader (the phone after a day offline)
  (b)  one POST /api/sync/push per visit (LOUZU_BENCH_SINGLES per round, default 300)
  (c2) a raw executemany of the same rows (visit, visit_revision, visit_resident) in one
       transaction: the floor no apply path can beat
and the ratios a/c2 (goal >= 0.5) and a/b (goal >= 5). Then 60 leaders push 3 x 50 visits at
once while the office reloads its dashboard: per-push p50/p99 (goal p99 <= 1 s on PostgreSQL),
first in this process, then against LOUZU_BENCH_PROCESSES (default 2) uvicorn processes started as
`louzu serve` runs, the leaders spread over them as a reverse proxy would.
(a), (b) in-process, through httpx's ASGITransport to the real app (sessions, CSRF, middleware).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import ROOT, bench_port, on_both_stores, open_store, serving, wait_up  # noqa: E402

from server.demo import load_demo  # noqa: E402

ROUNDS = int(os.environ.get("LOUZU_BENCH_ROUNDS", "3"))
BATCH = 500
BATCHES = 10  # 5,000 visits per round for (a) and (c2)
SINGLES = int(os.environ.get("LOUZU_BENCH_SINGLES", "300"))
PROCESSES = int(os.environ.get("LOUZU_BENCH_PROCESSES", "2"))  # for the 60 leaders against real servers
# LOUZU_BENCH_OFFICE=0 leaves the office's dashboard views out of the crowd (to see what they cost).
OFFICE_BROWSING = os.environ.get("LOUZU_BENCH_OFFICE", "1") != "0"
KINDS = ("routine", "elderly_check", "mediation", "safety", "assistance", "other")
STATUSES = ("ok", "ok", "ok", "concern", "urgent")


class Leader:
    """A leader's session and what they may write about: households and their residents."""

    def __init__(self, user, token: str, csrf: str, residents: dict[int, list[int]]) -> None:
        self.user = user
        self.headers = {"cookie": "", "X-CSRFToken": csrf}
        self.token = token
        self.residents = residents  # household id -> active resident ids
        self.households = sorted(residents)

    def visit(self, rng: random.Random, now: datetime) -> dict:
        household = rng.choice(self.households)
        people = self.residents[household]
        seen = rng.sample(people, min(len(people), rng.choice((0, 1, 1, 2)))) if people else []
        occurred = now - timedelta(minutes=rng.randrange(10, 200 * 24 * 60))
        return {
            "id": str(uuid.uuid4()), "type": "visit", "op": "create", "base_version": None,
            "client_time": occurred.isoformat(),
            "data": {
                "household_id": household, "resident_ids": seen, "kind": rng.choice(KINDS),
                "occurred_at": occurred.isoformat(), "status": rng.choice(STATUSES),
                "notes": "老人身体还好，说最近腿有点疼，已提醒去社区医院看看。" * rng.choice((0, 1, 2)),
                "follow_up_needed": False, "follow_up_due": None,
            },
        }


async def _leaders(settings, community_id: int, count: int) -> list[Leader]:
    from server.auth.sessions import COOKIE_NAME, open_session
    from server.leader.scope import leader_group_ids
    from server.models import Household, Resident, ResidentStatus, Role, User

    found = []
    users = await User.filter(community_id=community_id, role=Role.LEADER, active=True).order_by("username")
    for user in users[:count]:
        groups = await leader_group_ids(user)
        households = await Household.filter(community_id=community_id, building_group_id__in=groups).values_list(
            "id", flat=True)
        residents: dict[int, list[int]] = {h: [] for h in households}
        rows = await Resident.filter(household_id__in=households, status=ResidentStatus.ACTIVE).values_list(
            "household_id", "id")
        for household, resident in rows:
            residents[household].append(resident)
        token, session = await open_session(user, settings, "bench")
        leader = Leader(user, token, session.csrf_token, residents)
        leader.headers["cookie"] = f"{COOKIE_NAME}={token}"
        found.append(leader)
    return found


async def _push(client, leader: Leader, records: list[dict]) -> float:
    start = time.perf_counter()
    response = await client.post(
        "/api/sync/push", json={"protocol": 1, "device_id": "bench-phone", "records": records},
        headers=leader.headers)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (response.status_code, response.text[:300])
    statuses = {r["status"] for r in response.json()["results"]}
    assert statuses == {"applied"}, (statuses, response.json()["results"][:3])
    return elapsed


def _raw_rows(records: list[dict], leader: Leader, community_id: int, now: datetime):
    """The rows the push stores for these records, made ahead (not timed): visit, revision, seen."""
    from zoneinfo import ZoneInfo

    from server.settings import get_settings
    from sync.validate import parse_record

    zone = ZoneInfo(get_settings().timezone)
    visits, revisions, seen = [], [], []
    for raw in records:
        record = parse_record(raw, zone=zone)
        data = record.data
        visits.append({
            "id": record.id, "community_id": community_id, "household_id": data.household_id,
            "author_id": leader.user.id, "device_id": "bench-raw", "kind": data.kind.value,
            "status": data.status.value, "occurred_at": data.occurred_at, "client_time": record.client_time,
            "received_at": now, "notes": data.notes, "follow_up_needed": data.follow_up_needed,
            "follow_up_due": data.follow_up_due, "resident_ids": list(data.resident_ids), "withdrawn": False,
            "version": 1, "content_hash": record.content_hash, "has_conflict": False, "review_state": "new",
            "follow_up_office_due": None, "void_reason": "", "voided_at": None, "voided_by_id": None,
            "follow_up_assignee_id": None, "updated_at": now,
        })
        revisions.append({
            "visit_id": record.id, "op": "create", "base_version": None, "version": 1, "outcome": "applied",
            "content_hash": record.content_hash, "data": data.to_json(), "author_id": leader.user.id,
            "device_id": "bench-raw", "client_time": record.client_time, "received_at": now,
        })
        seen.extend(
            {"visit_id": record.id, "resident_id": rid, "occurred_at": data.occurred_at, "kind": data.kind.value}
            for rid in data.resident_ids
        )
    return visits, revisions, seen


async def _raw_insert(tables: list[tuple[type, list[dict]]]) -> float:
    """executemany of prepared rows in one transaction (server/ingest/bulk_insert.py: the same encoding
    of each value as the push's own insert, so the ratio a/c2 is what the rest of a push costs)."""
    from tortoise.transactions import in_transaction

    from server.ingest.bulk_insert import insert_many

    start = time.perf_counter()
    async with in_transaction():
        for model, rows in tables:
            await insert_many(model, rows)
    return time.perf_counter() - start


async def _crowd(client_for, leaders: list[Leader], office_client, desk: dict, rng: random.Random) -> str:
    """60 leaders push 3 x 50 visits each, all at once, while the office reloads its dashboard."""
    pushes: list[float] = []
    dashboard: list[float] = []
    done = asyncio.Event()

    async def phone(leader: Leader) -> None:
        for _ in range(3):
            now = datetime.now(timezone.utc)
            pushes.append(await _push(client_for(leader), leader, [leader.visit(rng, now) for _ in range(50)]))

    async def office() -> None:
        while OFFICE_BROWSING and not done.is_set():
            start = time.perf_counter()
            response = await office_client.get("/office/", headers=desk)
            assert response.status_code == 200, response.status_code
            dashboard.append(time.perf_counter() - start)

    began = time.perf_counter()
    office_task = asyncio.create_task(office())
    await asyncio.gather(*(phone(leader) for leader in leaders))
    done.set()
    await office_task
    took = time.perf_counter() - began
    office_line = (f"office dashboard meanwhile p50 {_p(dashboard, 0.5) * 1000:.0f} ms p99 "
                   f"{_p(dashboard, 0.99) * 1000:.0f} ms (n={len(dashboard)})") if dashboard else "no office browsing"
    return (f"{len(leaders)} leaders x 3 x 50 at once: {len(pushes)} pushes in {took:.1f} s, push p50 "
            f"{_p(pushes, 0.5) * 1000:.0f} ms p99 {_p(pushes, 0.99) * 1000:.0f} ms (goal p99 <= 1000 ms on "
            f"PostgreSQL); {office_line}")


async def _crowd_over_processes(env: dict, leaders: list[Leader], desk: dict, rng: random.Random) -> str:
    import httpx

    first = bench_port()
    ports = [first + n for n in range(PROCESSES)] if os.environ.get("LOUZU_BENCH_PORT") else [
        bench_port() for _ in range(PROCESSES)]
    with ExitStack() as running:
        for port in ports:
            running.enter_context(serving(env, port))
        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600,
                                     limits=httpx.Limits(max_connections=None)) for port in ports]
        try:
            for client in clients:
                await wait_up(client)
            spread = {leader.user.id: clients[n % len(clients)] for n, leader in enumerate(leaders)}
            for leader in leaders[:len(clients)]:  # warm each process: templates, statement caches
                await _push(spread[leader.user.id], leader, [leader.visit(rng, datetime.now(timezone.utc))])
            return await _crowd(lambda leader: spread[leader.user.id], leaders, clients[0], desk, rng)
        finally:
            for client in clients:
                await client.aclose()


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, round(q * (len(times) - 1)))]


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    import logging

    import httpx
    from tortoise import Tortoise

    from server.app import create_app
    from server.auth.sessions import COOKIE_NAME, open_session
    from server.models import Community, User, Visit, VisitResident, VisitRevision

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import secrets

    async with open_store(database_url, data_dir, {"SECRET_KEY": secrets.token_urlsafe(48)}) as settings:
        community = await Community.get_or_none(is_demo=True)
        if community is None:
            await load_demo()
            community = await Community.get(is_demo=True)
        if Tortoise.get_connection("default").capabilities.dialect == "postgres":
            await Tortoise.get_connection("default").execute_script("ANALYZE")
        leaders = await _leaders(settings, community.id, 60)
        one = leaders[0]
        rng = random.Random(9)
        app = create_app(settings, manage_db=False)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        print(f"{label}: {await Visit.filter(community_id=community.id).count()} visits before", flush=True)
        rates: dict[str, list[float]] = {"a": [], "b": [], "c2": []}
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=600) as client:
            await _push(client, one, [one.visit(rng, datetime.now(timezone.utc)) for _ in range(5)])  # warm
            for _ in range(ROUNDS):
                now = datetime.now(timezone.utc)
                batches = [[one.visit(rng, now) for _ in range(BATCH)] for _ in range(BATCHES)]
                spent = sum([await _push(client, one, batch) for batch in batches])
                rates["a"].append(BATCH * BATCHES / spent)

                singles = [one.visit(rng, now) for _ in range(SINGLES)]
                spent = sum([await _push(client, one, [record]) for record in singles])
                rates["b"].append(SINGLES / spent)

                raw = [one.visit(rng, now) for _ in range(BATCH * BATCHES)]
                spent = 0.0
                for start in range(0, len(raw), BATCH):
                    visits, revisions, seen = _raw_rows(raw[start:start + BATCH], one, community.id, now)
                    spent += await _raw_insert([(Visit, visits), (VisitRevision, revisions), (VisitResident, seen)])
                rates["c2"].append(len(raw) / spent)
            a, b, c2 = (statistics.median(rates[k]) for k in ("a", "b", "c2"))
            print(f"  (a)  push, batches of {BATCH}      {a:8.0f} records/s", flush=True)
            print(f"  (b)  one push per visit         {b:8.0f} records/s", flush=True)
            print(f"  (c2) raw executemany            {c2:8.0f} records/s", flush=True)
            print(f"  a/c2 {a / c2:.2f} (goal >= 0.5)   a/b {a / b:.1f} (goal >= 5)", flush=True)

            office = await User.get(community_id=community.id, username="office")
            office_token, _ = await open_session(office, settings, "bench")
            desk = {"cookie": f"{COOKIE_NAME}={office_token}"}
            print("  in this process (client and server share one core):", flush=True)
            print("    " + await _crowd(lambda leader: client, leaders, client, desk, rng), flush=True)
        env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
               "SECRET_KEY": settings.secret_key, "PYTHONPATH": str(ROOT)}
        print(f"  against {PROCESSES} uvicorn processes as `louzu serve` runs (leaders spread over them):",
              flush=True)
        print("    " + await _crowd_over_processes(env, leaders, desk, rng), flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
