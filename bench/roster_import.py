"""How long previewing and importing the seed committee's roster takes, on a fresh SQLite file and a
fresh PostgreSQL database (issue 7: preview <= 5 s, import <= 10 s on both).

Run: .venv/bin/python bench/roster_import.py   (not a test: it prints figures, it asserts nothing)
The roster file is the demo committee (60 groups, 2,076 households, 6,248 residents, 60 leaders)
exported with export_roster; it is then imported into a new, empty committee. The baseline is a
plain bulk insert of the same groups, households and residents (no file, no checks), in the same run.
PostgreSQL is used when reachable at LOUZU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test);
the script creates its own database louzu_bench_<random> there and drops it afterwards.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import on_both_stores, open_store  # noqa: E402

from server.models import BuildingGroup, Community, Household, Resident, Role, User  # noqa: E402



def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    from server.roster_import import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _timed(action):
    started = time.perf_counter()
    result = await action
    return result, time.perf_counter() - started


async def _baseline(rows: list[list]) -> float:
    """The same roster written with nothing but bulk inserts (ids read back by natural key)."""
    started = time.perf_counter()
    community = await Community.create(name="基线居委", subdistrict="天山路街道")
    groups = {row[0]: row[1] for row in rows}
    await BuildingGroup.bulk_create([BuildingGroup(community=community, number=n, name=name)
                                     for n, name in groups.items()], batch_size=500)
    group_ids = dict(await BuildingGroup.filter(community=community).values_list("number", "id"))
    homes = {f"{row[2]}{row[3]}室": (row[0], row[3], row[9]) for row in rows}
    await Household.bulk_create(
        [Household(community=community, building_group_id=group_ids[g], address=address, room=room,
                   visitor_notes=notes) for address, (g, room, notes) in homes.items()],
        batch_size=500,
    )
    home_ids = dict(await Household.filter(community=community).values_list("address", "id"))
    await Resident.bulk_create([Resident(community=community, household_id=home_ids[f"{row[2]}{row[3]}室"], name=row[4],
                                         gender="M" if row[5] == "男" else "F", birth_year=row[6], phone=row[7] or None,
                                         care_flags=[]) for row in rows], batch_size=500)
    return time.perf_counter() - started


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    from server.demo import load_demo
    from server.roster_import import export_roster, import_roster, preview_roster
    from server.roster_import.workbook import export_rows

    async with open_store(database_url, data_dir):
        demo = await load_demo()
        seed = await Community.get(is_demo=True)
        content, export_s = await _timed(export_roster(seed))
        roundtrip, roundtrip_s = await _timed(preview_roster(seed, content, "seed.xlsx"))
        # The demo's leader accounts would be another committee's: free their names for the new one.
        for user in await User.filter(community=seed, role=Role.LEADER):
            await User.filter(id=user.id).update(username=f"demo_{user.username}")
        fresh = await Community.create(name="导入居委", subdistrict="天山路街道")
        preview, preview_s = await _timed(preview_roster(fresh, content, "seed.xlsx"))
        first, first_s = await _timed(import_roster(fresh, content, "seed.xlsx"))
        again, again_s = await _timed(import_roster(fresh, content, "seed.xlsx"))
        rows = await export_rows(fresh.id)
        for i, row in enumerate(rows):
            if i % 10 == 0:
                row[7] = f"139{i:08d}"  # a new phone for every tenth resident
        edited = _xlsx(rows[: len(rows) - 100])  # and a hundred residents gone
        update, update_s = await _timed(import_roster(fresh, edited, "edited.xlsx", mark_missing_moved=True))
        baseline_s = await _baseline(await export_rows(fresh.id))
    print(
        f"{label}: roster of {first.rows} rows ({len(content) / 1024:.0f} KB xlsx; demo loaded in {demo.seconds:.1f} s,"
        f" exported in {export_s:.2f} s)\n"
        f"  preview into an empty committee   {preview_s:6.2f} s  ({preview.change_count} changes)\n"
        f"  first import                      {first_s:6.2f} s  (groups {first.groups.created}, households"
        f" {first.households.created}, residents {first.residents.created}, leaders {first.leaders.created})\n"
        f"  re-import of the same file        {again_s:6.2f} s  ({again.change_count} changes)\n"
        f"  import of an edited file          {update_s:6.2f} s  ({update.residents.updated} updated,"
        f" {update.moved_out} moved out)\n"
        f"  preview of the export, round trip {roundtrip_s:6.2f} s  ({roundtrip.change_count} changes)\n"
        f"  baseline: bare bulk insert        {baseline_s:6.2f} s  (same groups, households, residents)",
        flush=True,
    )


def main() -> None:
    on_both_stores(__file__, _bench)


if __name__ == "__main__":
    main()
