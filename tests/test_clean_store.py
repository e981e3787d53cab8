"""The test wiring itself: what one test wrote, the next does not see (tests/conftest.py empties
only the tables written to; this checks that leaves every table as a fresh store has it)."""

from __future__ import annotations

from tortoise import Tortoise

from server.models import AuditEvent, Community
from tests.conftest import _empty_all_tables, _tables
from tests.office_factories import make_device, make_question, make_roster_change, make_visit


async def test_emptying_leaves_every_table_empty_and_counting_from_one(world):
    visit = await make_visit(world, residents=[world.residents["li"]])
    await make_question(world, visit)
    await make_roster_change(world)
    await make_device(world.users["leader01"])
    # A table written to and emptied again by the test itself: it counts from 1 afterwards too.
    await (await AuditEvent.create(action="test", community=world.community)).delete()
    conn = Tortoise.get_connection("default")
    assert "user_building_group" in _tables()

    await _empty_all_tables()

    for table in _tables():
        rows = await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
        assert rows[0]["n"] == 0, table
    assert (await Community.create(name="新居委", subdistrict="街道")).id == 1
    assert (await AuditEvent.create(action="test")).id == 1
