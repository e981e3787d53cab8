"""Size and time of the office's proposals page (/office/roster) with 1,000 pending proposals.

Run: .venv/bin/python bench/roster_page.py   (not a test: it prints figures, it asserts nothing)
Uses a fresh SQLite file in a temporary directory, the tests' small committee, and 1,000
pending roster proposals from its leaders; then loads the page as the office several times.

Figures on the 2-core development machine (2026-11-30, shared with other work, so ±30%):
before paging, every pending proposal on one page: 1,805 KiB (75 KiB gzipped), median 0.9–1.1 s;
with 50 a page: 110 KiB (7 KiB gzipped), median 60–80 ms.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PENDING = 1000

logging.getLogger("httpx").setLevel(logging.WARNING)
LOADS = 7


async def _bench(data_dir: Path) -> None:
    import httpx

    from bench.stores import open_store
    from server.app import create_app
    from server.models import RosterChange
    from tests.factories import api_login, build_world

    async with open_store(f"sqlite://{data_dir / 'bench.sqlite3'}", data_dir,
                          SECRET_KEY=secrets.token_urlsafe(48), LOUZU_FAST_HASHING="1") as settings:
        world = await build_world()
        now = datetime.now(timezone.utc)
        residents = [r for key, r in world.residents.items() if key != "other"]
        rows = []
        for n in range(PENDING):
            resident = residents[n % len(residents)]
            household_id = resident.household_id
            kind, proposed, resident_id = "update", {"phone": f"139{n:08d}", "care_flags": ["watch"]}, resident.id
            if n % 4 == 1:
                kind, proposed, resident_id = "new_resident", {"name": f"新居民{n}", "gender": "F", "birth_year": 1950}, None
            rows.append(RosterChange(
                id=uuid.uuid4(), community_id=world.community.id, household_id=household_id, resident_id=resident_id,
                author_id=world.users["leader01"].id, kind=kind, proposed=proposed, note="楼组长说明" * 3,
                received_at=now - timedelta(minutes=n), content_hash=uuid.uuid4().hex * 2,
            ))
        await RosterChange.bulk_create(rows, batch_size=200)
        app = create_app(settings, manage_db=False)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await api_login(client, "office")
            times, size, zipped = [], 0, 0
            for _ in range(LOADS):
                started = time.perf_counter()
                response = await client.get("/office/roster", headers={"accept-encoding": "identity"})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                size = len(response.content)
                zipped = len(gzip.compress(response.content, 6))
        print(
            f"/office/roster with {PENDING} pending proposals: {size / 1024:.0f} KiB"
            f" ({zipped / 1024:.0f} KiB gzipped); median {statistics.median(times) * 1000:.0f} ms,"
            f" best {min(times) * 1000:.0f} ms over {LOADS} loads (SQLite, in-process)",
            flush=True,
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="louzu-bench-") as tmp:
        asyncio.run(_bench(Path(tmp)))


if __name__ == "__main__":
    main()
