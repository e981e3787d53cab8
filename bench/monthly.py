"""Server time of the monthly meeting pack: the current month (computed on each view), a closed
month (read from its stored figures), closing a month once, and the PDF.

Run: .venv/bin/python bench/monthly.py                    (a fresh store per engine: the demo committee)
     LOUZU_BENCH_DB=louzu_ten_years .venv/bin/python bench/monthly.py
                                                          (the store bench/scale.py built: ten years)
In-process through httpx's ASGITransport, like bench/pages.py (whose timing and lines it uses).
The committee's closed months are removed first, so closing is timed too. * = the figures of
last month computed as if it were the current one (a whole month of visits; no page rendered).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import _line, _timed  # noqa: E402
from bench.stores import on_both_stores, open_store, settle  # noqa: E402
from server.demo import load_demo  # noqa: E402


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    import logging

    import httpx

    from server.app import create_app
    from server.auth.sessions import COOKIE_NAME, open_session
    from server.core.dates import Month, today_shanghai
    from server.models import ClosedMonth, Community, User, Visit

    logging.getLogger("httpx").setLevel(logging.WARNING)
    async with open_store(database_url, data_dir) as settings:
        await load_demo()
        await settle("visit")  # the visibility map lets the follow-up counts read their index alone
        community = await Community.get(is_demo=True)
        await ClosedMonth.filter(community_id=community.id).delete()
        visits = await Visit.filter(community_id=community.id).count()
        office = await User.get(community_id=community.id, username="office")
        token, _ = await open_session(office, settings, "bench")
        cookie = f"{COOKIE_NAME}={token}"
        this_month = Month(today_shanghai().year, today_shanghai().month)
        last, older = this_month.previous(), this_month.previous().previous().previous()
        app = create_app(settings, manage_db=False)
        print(f"{label}: {visits} visits", flush=True)
        from litestar import Litestar, get

        @get("/bare", sync_to_thread=False)
        def bare() -> str:
            return "ok"

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=Litestar([bare])),
                                     base_url="http://127.0.0.1") as c:
            times, _ = await _timed(c, "/bare", None)
            print(_line("bare Litestar endpoint", times), flush=True)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=120) as client:
            for month in (last, older):  # the first view of a month that is over closes it
                start = time.perf_counter()
                response = await client.get(f"/office/monthly?month={month.key}", headers={"cookie": cookie})
                assert response.status_code == 200, response.status_code
                print(f"  close {month.key} (first view)      {(time.perf_counter() - start) * 1000:8.1f} ms", flush=True)
            for name, url in (
                (f"current month {this_month.key}", "/office/monthly"),
                (f"closed month {last.key}", f"/office/monthly?month={last.key}"),
                (f"closed month {older.key}", f"/office/monthly?month={older.key}"),
            ):
                times, size = await _timed(client, url, cookie)
                print(_line(name, times) + f"  {size // 1024} KiB", flush=True)
            # The current month on its last day holds a whole month of visits: last month's
            # figures computed as if it were still current (the figures only, not the page).
            from server.core.clock import now_utc
            from server.monthly_pack.figures import compute

            times = []
            for _ in range(12):
                start = time.perf_counter()
                await compute(community, last, now_utc(), live=True)
                times.append((time.perf_counter() - start) * 1000)
            print(_line(f"{last.key} as if current*", times[2:]), flush=True)
            for month in (this_month, last):
                start = time.perf_counter()
                response = await client.get(f"/office/monthly.pdf?month={month.key}", headers={"cookie": cookie})
                assert response.status_code == 200
                print(f"  PDF {month.key}                 {(time.perf_counter() - start) * 1000:8.1f} ms", flush=True)


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
