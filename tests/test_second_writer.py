"""A second writer beside the running server never turns a push into an error.

The operator documents `louzu createuser` and `louzu import-roster` while serving. On SQLite a
push's transaction used to begin deferred, read, and then fail at its first write with "database
is locked" whenever the other process had committed in between (18 % of pushes were HTTP 500).
Writes now begin IMMEDIATE and wait (server/db/sqlite_client.py). Run on both stores.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time

import httpx
import pytest
from tortoise.transactions import in_transaction

from server.db import sqlite_file
from server.models import Community, Household, Visit
from tests import conftest
from tests.cli_process import GOOD_PASSWORD, ROOT
from tests.factories import PASSWORD
from tests.roster_files import csv_bytes, person
from tests.test_ingest import visit_record

RECORDS_PER_PUSH = 3
ROSTER_ROWS = 1500  # one import transaction of a few seconds: every push overlaps some of it


async def louzu(*args: str) -> tuple[int, str]:
    """A real `louzu` command on the tests' store (the live server's), without blocking the loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def cli_writes(world, roster_file) -> list[tuple[int, str]]:
    other = world.other_community.name
    runs = [await louzu("import-roster", str(roster_file), "--community", other)]
    for n in range(3):
        runs.append(await louzu("createuser", f"office{n}", "--role", "office", "--community", other,
                                "--password", GOOD_PASSWORD))
    runs.append(await louzu("import-roster", str(roster_file), "--community", other))  # updates every row
    return runs


async def test_pushes_while_the_cli_writes_all_apply(world, live_server, tmp_path):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_bytes(csv_bytes([
        person(group=1 + n % 20, address=f"江苏路{n // 50}号", room=f"{n % 50 + 101}", name=f"居民{n}")
        for n in range(ROSTER_ROWS)
    ]))
    households = [h for h in world.households if h.building_group_id == world.groups[0].id]
    async with httpx.AsyncClient(base_url=live_server, timeout=60) as phone:
        login = await phone.post("/api/auth/login", json={"username": "leader01", "password": PASSWORD})
        csrf = {"X-CSRFToken": login.json()["csrf_token"]}
        writer = asyncio.create_task(cli_writes(world, roster_file))
        statuses, results, pushes, seconds = [], [], 0, []
        while not writer.done() or pushes < 10:
            records = [visit_record(households[(pushes + i) % len(households)]) for i in range(RECORDS_PER_PUSH)]
            started = time.perf_counter()
            response = await phone.post("/api/sync/push", headers=csrf,
                                        json={"protocol": 1, "device_id": "phone-1", "records": records})
            seconds.append(time.perf_counter() - started)
            pushes += 1
            statuses.append(response.status_code)
            if response.status_code == 200:
                results += [r["status"] for r in response.json()["results"]]
        runs = await writer
    errors = [s for s in statuses if s != 200]
    failed_runs = [output for code, output in runs if code != 0]
    seconds.sort()
    print(f"{pushes} pushes beside {len(runs)} CLI writes: {len(errors)} push errors, {len(failed_runs)} CLI"
          f" failures; push median {seconds[len(seconds) // 2]:.3f} s, slowest {seconds[-1]:.2f} s")
    assert (errors, failed_runs) == ([], []), f"{len(errors)} of {pushes} pushes failed ({sorted(set(errors))})"
    assert results == ["applied"] * pushes * RECORDS_PER_PUSH
    assert await Visit.filter(household_id__in=[h.id for h in households]).count() == pushes * RECORDS_PER_PUSH
    assert await Household.filter(community=world.other_community).count() > ROSTER_ROWS // 2


@pytest.mark.skipif(conftest.TEST_DB != "sqlite", reason="PostgreSQL has no such lock upgrade")
async def test_a_transaction_that_read_before_another_process_wrote_still_writes(world, settings):
    """The failure in slow motion: read, another process writes, then write. Deferred, the write
    failed at once ("database is locked"); IMMEDIATE, the other process waits for the commit."""
    other = sqlite3.connect(sqlite_file(settings), timeout=10, isolation_level=None, check_same_thread=False)
    try:
        async with in_transaction():
            await Community.all().count()
            elsewhere = asyncio.create_task(asyncio.to_thread(
                other.execute, "UPDATE community SET subdistrict = '别处' WHERE id = ?", (world.other_community.id,)))
            await asyncio.sleep(0.3)  # time enough for the other process to write, if it could
            await Community.create(name="江苏路第二居民区", subdistrict="江苏路街道")
        await elsewhere
    finally:
        other.close()
    assert await Community.filter(subdistrict="别处").count() == 1
    assert await Community.filter(name="江苏路第二居民区").exists()
