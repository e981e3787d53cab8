"""Server time of the leader's and the office's pages, per page p50/p99, next to a bare Litestar endpoint.

Run: .venv/bin/python bench/pages.py                      (a fresh store per engine: the demo committee)
     LOUZU_BENCH_DB=louzu_ten_years .venv/bin/python bench/pages.py
                                                          (the store bench/scale.py built: ten years)
In-process: each request goes through httpx's ASGITransport to the real app (middleware, session
look-up, templates), one at a time, so the figure is the server's own time plus a constant the
bare endpoint shows. req/s is 1 / mean of these sequential requests (one connection, no
concurrency). LOUZU_BENCH_N requests per page (default 30, at least 5, at most ~20 s a page);
LOUZU_BENCH_SHOW=1 prints every time (a lone slow request is usually a gen-2 GC pause).
"fixed CPU work" is the same pure-Python loop every run: on a shared machine, compare runs by it.
The app's heap is settled as the server's start-up does (server.app.settle_heap: gc.freeze);
LOUZU_BENCH_NO_FREEZE=1 leaves it out, to see what the gen-2 collections cost without it.
LOUZU_BENCH_PAGES=/office/checks,/ times only the pages whose path starts with one of these
(the household page as /households).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import on_both_stores, open_store, settle  # noqa: E402

from server.demo import load_demo  # noqa: E402

REQUESTS = int(os.environ.get("LOUZU_BENCH_N", "30"))
PAGE_SECONDS = 20.0


class _FullCollections:
    """The generation-2 collections while it is active, and their pauses (gc.callbacks): what a
    lone slow request usually is, counted apart from how busy the shared machine was."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._began) * 1000)

    def __enter__(self) -> "_FullCollections":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)

    def __str__(self) -> str:
        if not self.pauses:
            return "no gen-2 GC"
        return f"gen-2 GC x{len(self.pauses)}, longest {max(self.pauses):.0f} ms"


async def _timed(client, url: str, cookie: str | None) -> tuple[list[float], int, _FullCollections]:
    headers = {"cookie": cookie} if cookie else {}
    for _ in range(2):  # warm: templates compiled, caches filled
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    times: list[float] = []
    began = time.perf_counter()
    with _FullCollections() as collections:
        while len(times) < REQUESTS and (len(times) < 5 or time.perf_counter() - began < PAGE_SECONDS):
            start = time.perf_counter()
            response = await client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    if os.environ.get("LOUZU_BENCH_SHOW"):
        print(url, [round(t) for t in times])
    return times, len(response.content), collections


def _reference_work() -> list[float]:
    """A fixed piece of pure-Python work (the sum of 100,000 squares), timed like the pages: on a
    shared machine it shows how much slower everything ran during this run than during another."""
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        sum(i * i for i in range(100_000))
        times.append((time.perf_counter() - start) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    times = sorted(times)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    rate = 1000 / statistics.mean(times)
    return f"  {label:<28} p50 {statistics.median(times):8.1f} ms   p99 {p99:8.1f} ms   {rate:7.1f} req/s   (n={len(times)})"


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    import httpx
    from litestar import Litestar, get

    from server.app import create_app
    from server.auth.sessions import COOKIE_NAME, open_session
    from server.models import Community, Household, User, Visit

    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would be timed too
    async with open_store(database_url, data_dir) as settings:
        await load_demo()
        await settle()
        community = await Community.get(is_demo=True)
        visits = await Visit.filter(community_id=community.id).count()
        # The busiest leader, and their household with the most visits: the worst case of a slice.
        leader = await User.get(community_id=community.id, username="leader01")
        household_rows = await Visit.filter(community_id=community.id, author_id=leader.id).values_list(
            "household_id", flat=True)
        household = max(set(household_rows), key=household_rows.count) if household_rows else (
            await Household.filter(community_id=community.id).first()).id
        office = await User.get(community_id=community.id, username="office")
        leader_token, _ = await open_session(leader, settings, "bench")
        office_token, _ = await open_session(office, settings, "bench")

        @get("/bare", sync_to_thread=False)
        def bare() -> str:
            return "ok"

        bare_app = Litestar([bare], debug=settings.debug if hasattr(settings, "debug") else False)
        app = create_app(settings, manage_db=False)
        if not os.environ.get("LOUZU_BENCH_NO_FREEZE"):
            from server.app import settle_heap

            settle_heap()  # httpx's ASGITransport sends no lifespan events: done here as at start-up
        pages = [
            ("leader", "/"),
            ("leader", f"/households/{household}"),
            ("leader", "/api/sync/manifest"),
            ("office", "/office/"),
            ("office", "/office/live"),
            ("office", "/office/monthly"),
            ("office", "/office/checks"),
        ]
        only = [p for p in os.environ.get("LOUZU_BENCH_PAGES", "").split(",") if p]
        if only:
            pages = [(who, url) for who, url in pages if any(url == p or (p != "/" and url.startswith(p)) for p in only)]
        print(f"{label}: {visits} visits", flush=True)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app), base_url="http://127.0.0.1") as c:
            times, _, _ = await _timed(c, "/bare", None)
            print(_line("bare Litestar endpoint", times), flush=True)
        print(_line("fixed CPU work (reference)", _reference_work()), flush=True)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for who, url in pages:
                token = leader_token if who == "leader" else office_token
                times, _, collections = await _timed(client, url, f"{COOKIE_NAME}={token}")
                print(f"{_line(url, times)}   {collections}", flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
