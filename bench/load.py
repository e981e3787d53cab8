"""The leader home under a steady 50 requests a second, against a real server, beside a bare endpoint.

Run: LOUZU_BENCH_DB=louzu_ten_years LOUZU_BENCH_STORES=postgres .venv/bin/python bench/load.py
     (the store bench/scale.py built; see bench/stores.py)
One uvicorn process serves the app as `louzu serve` does (one worker, --no-proxy-headers, log
level warning; its start-up settles the heap); leader01 is signed in through the login API.
Requests leave on a fixed schedule (open loop: one every 1/rate s, whatever the answers), so a
slow server shows as latency and lost requests, not as a politely slower client; each latency
is measured from the request's scheduled start. Printed: requests sent, completed, completed per
second over the run, p50/p99 of the completed, and the timed-out or failed ones. Then the same
against a bare Litestar endpoint served by the same uvicorn settings: what the machine (shared,
noisy) and the client cost by themselves in that same minute.
LOUZU_BENCH_RATE (default 50), LOUZU_BENCH_SECONDS (default 20), LOUZU_BENCH_PORT.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import ROOT, bench_port, on_both_stores, open_store, serving, wait_up  # noqa: E402

RATE = float(os.environ.get("LOUZU_BENCH_RATE", "50"))
SECONDS = float(os.environ.get("LOUZU_BENCH_SECONDS", "20"))
TIMEOUT = 10.0  # a request still unanswered after this counts as lost


def bare_app():
    """The baseline: a Litestar app with one plain-text endpoint (uvicorn --factory bench.load:bare_app)."""
    from litestar import Litestar, get

    @get("/", sync_to_thread=False)
    def bare() -> str:
        return "ok"

    return Litestar([bare], debug=False)


async def _steady(client, path: str) -> str:
    """Requests at RATE a second for SECONDS; a line of figures."""
    import httpx

    count = int(RATE * SECONDS)
    times: list[float] = []
    lost = failed = 0

    async def one(scheduled: float) -> None:
        nonlocal lost, failed
        try:
            response = await client.get(path, timeout=TIMEOUT)
        except httpx.TimeoutException:
            lost += 1
            return
        except httpx.HTTPError:
            failed += 1
            return
        if response.status_code != 200:
            failed += 1
            return
        times.append((time.perf_counter() - scheduled) * 1000)

    began = time.perf_counter()
    tasks = []
    for i in range(count):
        scheduled = began + i / RATE
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    if not times:
        return f"{count} sent, none completed ({lost} timed out, {failed} failed)"
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return (f"{count} sent at {RATE:g}/s for {SECONDS:g} s: {len(times)} completed, {len(times) / elapsed:5.1f} req/s,"
            f" p50 {statistics.median(times):7.1f} ms, p99 {p99:7.1f} ms, max {times[-1]:7.1f} ms;"
            f" {lost} timed out, {failed} failed")


async def _run(factory: str, env: dict[str, str], path: str, login: bool) -> str:
    import httpx

    from server.auth.passwords import DEMO_PASSWORD

    port = bench_port()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    with serving(env, port, factory=factory):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:
            await wait_up(client)
            if login:
                response = await client.post("/api/auth/login", json={"username": "leader01", "password": DEMO_PASSWORD})
                response.raise_for_status()
            for _ in range(20):  # warm: templates compiled, connections opened
                (await client.get(path)).raise_for_status()
            return await _steady(client, path)


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    from server.models import Community, Visit

    async with open_store(database_url, data_dir):
        from server.demo import load_demo

        await load_demo()
        community = await Community.get(is_demo=True)
        visits = await Visit.filter(community_id=community.id).count()
        everyone = await Visit.all().count()
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
           "SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT)}
    print(f"{label}: the demo committee's {visits:,} visits ({everyone:,} in the store)", flush=True)
    print(f"  leader home /       : {await _run('server.app:create_app', env, '/', login=True)}", flush=True)
    print(f"  bare Litestar /     : {await _run('bench.load:bare_app', env, '/', login=False)}", flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
