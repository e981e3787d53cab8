"""Builds ten years of one committee (the demo's six months copied back) on SQLite and PostgreSQL.

Run: .venv/bin/python bench/scale.py                      (temporary stores, dropped afterwards)
     LOUZU_BENCH_DB=louzu_ten_years .venv/bin/python bench/scale.py
                                                          (kept for bench/pages.py; see bench/stores.py)
     LOUZU_BENCH_DB=louzu_ten_committees LOUZU_BENCH_STORES=postgres LOUZU_BENCH_COMMITTEES=10 \
         .venv/bin/python bench/scale.py                  (ten committees of ten years each on one
                                                          PostgreSQL, ≈ 2,000,000 visits; bench/committees.py)
Prints how long migrations, the demo and the history took, and the row counts. Running it again
on a named store that already holds the history only reports it. bench/pages.py then measures the
demo committee's pages, one committee among the others.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.committees import add_committees  # noqa: E402
from bench.history import DEMO_COPIES, add_history  # noqa: E402
from bench.stores import on_both_stores, open_store  # noqa: E402

from server.demo import load_demo  # noqa: E402
from server.models import Community, Visit  # noqa: E402

COPIES = int(os.environ.get("LOUZU_BENCH_COPIES", DEMO_COPIES))
COMMITTEES = int(os.environ.get("LOUZU_BENCH_COMMITTEES", "1"))


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    started = time.perf_counter()
    async with open_store(database_url, data_dir):
        await load_demo()
        demo = time.perf_counter() - started
        community = await Community.get(is_demo=True)
        visits = await Visit.filter(community_id=community.id).count()
        if visits > 50_000:
            print(f"{label}: already {visits} visits, no history added", flush=True)
        else:
            began = time.perf_counter()
            counts = await add_history(community.id, COPIES)
            print(
                f"{label}: demo + migrations {demo:.1f} s; {COPIES} copies of its history in"
                f" {time.perf_counter() - began:.1f} s -> {counts}",
                flush=True,
            )
        committees = await Community.all().count()
        if COMMITTEES > committees:
            if not database_url.startswith("postgres"):
                print(f"{label}: more committees on one store are built on PostgreSQL only", flush=True)
                return
            began = time.perf_counter()
            counts = await add_committees(community.id, COMMITTEES - committees)
            print(f"{label}: {COMMITTEES - committees} more committees in {time.perf_counter() - began:.1f} s -> {counts}",
                  flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
