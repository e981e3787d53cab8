"""How long loading the demo committee takes into a fresh SQLite file and a fresh PostgreSQL database.

Run: .venv/bin/python bench/demo_load.py   (not a test: it prints figures, it asserts nothing)
PostgreSQL is used when reachable at LOUZU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test);
the script creates its own database louzu_bench_<random> there and drops it afterwards.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import on_both_stores, open_store  # noqa: E402

from server.demo import load_demo  # noqa: E402



async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    started = time.perf_counter()
    async with open_store(database_url, data_dir):
        migrated = time.perf_counter() - started
        summary = await load_demo(progress=True)
        again = await load_demo()
    print(
        f"{label}: demo loaded in {summary.seconds:.2f} s (migrations {migrated:.2f} s; second run"
        f" {again.seconds:.2f} s, loaded={again.loaded}) — {summary.groups} groups, {summary.households}"
        f" households, {summary.residents} residents, {summary.visits} visits, {summary.users} accounts",
        flush=True,
    )


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
