"""A phone's push of 10 visits: its latency alone, during a burst of 20 logins, and during an
XLSX export of the demo committee (issue 10's goal: at most 2x the idle time).

Run: .venv/bin/python bench/push_latency.py   (not a test: it prints figures, it asserts nothing)

One uvicorn process (one event loop, as the figure must show whether anything blocks it) on
the demo committee, with production argon2 costs. The phone (leader01) pushes 10 new visits at
a time from this process; meanwhile 20 browsers each send one wrong password for a different
leader (so every one is checked by argon2, none is merely throttled), or the office downloads
the XLSX. Stores and port: LOUZU_BENCH_DB / LOUZU_BENCH_PORT (bench/stores.py).
LOUZU_BENCH_BEFORE_TREE=/path/to/an/older/checkout measures that tree's code on the same store too.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import ROOT, bench_port, on_both_stores, open_store, serving, wait_up  # noqa: E402


IDLE_PUSHES = 30
BURSTS = 3
LOGINS = 20
GOAL = 2.0


async def _households() -> list[int]:
    from server.demo import load_demo
    from server.models import Household

    await load_demo()
    return list(await Household.filter(building_group__leaders__username="leader01").values_list("id", flat=True))


def _batch(households: list[int], device: str) -> dict:
    now = datetime.now(timezone(timedelta(hours=8)))
    records = [{
        "id": str(uuid.uuid4()), "type": "visit", "op": "create", "base_version": None,
        "client_time": now.isoformat(timespec="seconds"),
        "data": {"household_id": households[n % len(households)], "resident_ids": [], "kind": "routine",
                 "occurred_at": (now - timedelta(minutes=n)).isoformat(timespec="seconds"), "status": "ok",
                 "notes": "bench", "follow_up_needed": False, "follow_up_due": None},
    } for n in range(10)]
    return {"protocol": 1, "device_id": device, "records": records}


async def _push(phone, households: list[int], csrf: str, device: str) -> float:
    started = time.perf_counter()
    response = await phone.post("/api/sync/push", json=_batch(households, device), headers={"X-CSRFToken": csrf})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    assert all(r["status"] == "applied" for r in response.json()["results"]), response.text[:300]
    return elapsed


async def _pushes_while(task: asyncio.Future, push) -> list[float]:
    times: list[float] = []
    while not task.done():
        times.append(await push())
    await task
    return times


def _line(label: str, times: list[float], idle: float | None) -> str:
    median = statistics.median(times)
    ratio = f"   ratio {median / idle:4.2f} (goal <= {GOAL:g})" if idle else ""
    return f"    {label:<26} median {median * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   (n={len(times)}){ratio}"


async def _measure(base: str, households: list[int]) -> list[str]:
    import httpx

    from server.auth.passwords import DEMO_PASSWORD

    async with httpx.AsyncClient(base_url=base, timeout=300) as phone, \
            httpx.AsyncClient(base_url=base, timeout=600) as office:
        login = await phone.post("/api/auth/login", json={"username": "leader01", "password": DEMO_PASSWORD})
        login.raise_for_status()
        # Before the bursts: the old code locked every login from this address out after 20 failures.
        (await office.post("/api/auth/login", json={"username": "office", "password": DEMO_PASSWORD})).raise_for_status()
        csrf, device = login.json()["csrf_token"], str(uuid.uuid4())

        async def push() -> float:
            return await _push(phone, households, csrf, device)

        for _ in range(3):  # warm
            await push()
        # Idle pushes are taken just before each burst and before the export: on a shared
        # machine the load drifts, and each figure is compared with its own moment.
        idle_times: list[float] = []
        during_logins: list[float] = []
        login_times: list[float] = []
        for burst in range(BURSTS):
            idle_times += [await push() for _ in range(IDLE_PUSHES // BURSTS)]
            browsers = [httpx.AsyncClient(base_url=base, timeout=300) for _ in range(LOGINS)]

            async def wrong(n: int, browser) -> None:
                started = time.perf_counter()
                answer = await browser.post("/api/auth/login", json={
                    "username": f"leader{(n % 60) + 1:02d}", "password": f"wrong-{burst}-{n}"})
                login_times.append(time.perf_counter() - started)
                assert answer.status_code in (401, 429), answer.status_code

            task = asyncio.ensure_future(asyncio.gather(*(wrong(n, b) for n, b in enumerate(browsers))))
            await asyncio.sleep(0.01)
            during_logins += await _pushes_while(task, push)
            for browser in browsers:
                await browser.aclose()
        idle = statistics.median(idle_times)
        lines = [_line("alone", idle_times, None), _line(f"during {LOGINS} logins", during_logins, idle)]
        lines.append(f"      (each login answered in median {statistics.median(login_times) * 1000:.0f} ms,"
                     f" max {max(login_times) * 1000:.0f} ms)")

        async def export() -> tuple[float, int]:
            started = time.perf_counter()
            size = 0
            async with office.stream("GET", "/office/visits.xlsx") as response:
                response.raise_for_status()
                async for piece in response.aiter_raw():
                    size += len(piece)
            return time.perf_counter() - started, size

        before_export = [await push() for _ in range(IDLE_PUSHES // BURSTS)]
        task = asyncio.ensure_future(export())
        await asyncio.sleep(0.01)
        during_export = await _pushes_while(task, push)
        took, size = task.result()
        lines.append(_line("alone, before the export", before_export, None))
        lines.append(_line("during an XLSX export", during_export, statistics.median(before_export)))
        lines.append(f"      (the export: {took:.1f} s, {size / 1e6:.1f} MB)")
    return lines


def _env(tree: Path, database_url: str, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "LOUZU_DEMO": "1",
           "SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(tree)}
    env.pop("LOUZU_FAST_HASHING", None)  # production argon2 costs
    return env


async def _run_tree(tree: Path, database_url: str, data_dir: Path, households: list[int]) -> list[str]:
    import httpx

    port = bench_port()
    base = f"http://127.0.0.1:{port}"
    with serving(_env(tree, database_url, data_dir), port, tree):
        async with httpx.AsyncClient(base_url=base) as probe:
            await wait_up(probe)
        return await _measure(base, households)


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    async with open_store(database_url, data_dir):
        households = await _households()
    print(f"{label}: push of 10 visits by leader01 ({len(households)} households)", flush=True)
    print("  this tree:", flush=True)
    for line in await _run_tree(ROOT, database_url, data_dir, households):
        print(line, flush=True)
    if before := os.environ.get("LOUZU_BENCH_BEFORE_TREE"):
        print(f"  before ({before}):", flush=True)
        for line in await _run_tree(Path(before), database_url, data_dir, households):
            print(line, flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
