"""The office's CSV and XLSX exports at ten years of one committee: time to first byte, total
time and the server's peak memory growth, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/export.py   (not a test: it prints figures, it asserts nothing)

The store gets the demo committee and ten years of history (bench/history.py); a store that
already holds that much is reused (LOUZU_BENCH_DB, see bench/stores.py). Each export runs
against its own uvicorn process, so its VmHWM (peak RSS, /proc/<pid>/status) is that export's;
the growth printed is VmHWM minus the RSS after login and a first dashboard view; the export
process the server starts for the file is watched too, and its whole peak RSS printed. "First byte"
is the CSV header / the XLSX package's head, "first rows" the first piece carrying visits.

LOUZU_BENCH_BEFORE_TREE=/path/to/an/older/checkout also measures that tree's code on the same
store (e.g. `git worktree add /tmp/louzu-main main`); without it the issue's measured figures
of the old code are printed as "before".
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import ROOT, bench_port, on_both_stores, open_store, serving  # noqa: E402

WANTED_VISITS = 150_000  # "ten years": the demo's six months copied back 18 times ≈ 200,000
COPIES = 18
# Issue 9's figures for the old code (load everything, build in memory), ten years.
BEFORE = {
    ("SQLite", "csv"): "67 s total, 1.66 GB RSS (first byte = total)",
    ("SQLite", "xlsx"): "108 s total, 2.49 GB RSS (first byte = total)",
    ("PostgreSQL", "csv"): "43 s total, 1.46 GB RSS (first byte = total)",
    ("PostgreSQL", "xlsx"): "82 s total, 2.41 GB RSS (first byte = total)",
}


async def _ensure_history() -> int:
    from server.demo import load_demo
    from server.models import Community, Visit

    await load_demo()
    community = await Community.get(is_demo=True)
    if await Visit.filter(community_id=community.id).count() < WANTED_VISITS:
        started = time.perf_counter()
        from bench.history import add_history

        await add_history(community.id, COPIES)
        print(f"  history generated in {time.perf_counter() - started:.1f} s", flush=True)
    return await Visit.filter(community_id=community.id).count()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class _ChildPeak:
    """The largest peak RSS of the server's child processes while it runs (an export is built
    by a process of its own: server/office/export_job.py); read every 20 ms while they live."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak_kb, self.children = pid, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            try:
                listed = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
                for child in listed:
                    self.children.add(child)
                    self.peak_kb = max(self.peak_kb, _status_kb(int(child), "VmHWM"))
            except (OSError, ValueError):
                pass  # a child that ended between the listing and the read

    def __enter__(self) -> "_ChildPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _measure(tree: Path, database_url: str, data_dir: Path, kind: str) -> str:
    import httpx

    from server.auth.passwords import DEMO_PASSWORD

    port = bench_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
           "SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(tree)}
    base = f"http://127.0.0.1:{port}"
    with serving(env, port, tree) as server:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(200):
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            client.post("/api/auth/login", json={"username": "office", "password": DEMO_PASSWORD}).raise_for_status()
            assert client.get("/office").status_code == 200
            base_rss = _status_kb(server.pid, "VmRSS")
            # Start the peak afresh: start-up (migrations, the demo) may have reached higher.
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            started = time.perf_counter()
            first = rows = None
            size = 0
            with _ChildPeak(server.pid) as children, client.stream(
                "GET", f"/office/visits.{kind}", headers={"accept-encoding": "identity"}
            ) as response:
                response.raise_for_status()
                for piece in response.iter_raw():
                    if piece and first is None:
                        first = time.perf_counter() - started
                    elif piece and rows is None:  # the first piece is the header / the package's head
                        rows = time.perf_counter() - started
                    size += len(piece)
            total = time.perf_counter() - started
        peak = _status_kb(server.pid, "VmHWM")
    return (f"first byte {first or total:.2f} s, first rows {rows or total:.2f} s, total {total:.1f} s, {size / 1e6:.1f} MB,"
            f" server peak RSS {peak / 1024:.0f} MB (+{(peak - base_rss) / 1024:.0f} MB over {base_rss / 1024:.0f} MB idle)"
            + (f", export process peak RSS {children.peak_kb / 1024:.0f} MB" if children.children else ""))


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    async with open_store(database_url, data_dir):
        visits = await _ensure_history()
    print(f"{label}: {visits:,} visits", flush=True)
    before_tree = os.environ.get("LOUZU_BENCH_BEFORE_TREE")
    for kind in ("csv", "xlsx"):
        print(f"  {kind:4} after : {_measure(ROOT, database_url, data_dir, kind)}", flush=True)
        if before_tree:
            print(f"  {kind:4} before: {_measure(Path(before_tree), database_url, data_dir, kind)}", flush=True)
        else:
            print(f"  {kind:4} before: {BEFORE[(label, kind)]} (issue 9, measured on this machine)", flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
