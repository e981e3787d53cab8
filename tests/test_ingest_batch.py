"""A push's new visits are judged together and stored in bulk, with every per-record guarantee kept.

tests/test_ingest.py holds the guarantees themselves (and passes unchanged); these tests show the
batch path keeps them where a batch differs from one record: many records of mixed fate in one
run, an id sent twice in one push, a bulk insert meeting a concurrent one, and a batch costing a
fixed number of statements whatever its size.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from server.ingest.store import TortoiseStore
from server.models import QuestionAnswer, Visit, VisitResident, VisitRevision
from tests.test_ingest import NOW, push, statuses, update_of, visit_record


async def test_a_run_of_mixed_records_answers_each_in_order_and_stores_only_the_good_ones(world):
    leader = world.users["leader01"]
    li, zhao, chen = world.residents["li"], world.residents["zhao"], world.residents["chen"]
    batch = [
        visit_record(world.households[0], resident_ids=[li.id]),
        visit_record(world.households[3]),  # another leader's group
        visit_record(world.households[1], resident_ids=[zhao.id]),
        visit_record(world.households[1], resident_ids=[li.id]),  # li lives in household 0
        visit_record(world.households[0], occurred_at="2024-01-01T09:00:00+08:00"),  # over a year old
        visit_record(world.households[2], kind="chat"),  # not a kind
        visit_record(world.households[0], resident_ids=[chen.id]),  # chen lives in another group
        visit_record(world.other_household),  # another community
        visit_record(world.households[2]),
    ]

    results = await push(leader, *batch)

    assert [r.id for r in results] == [record["id"] for record in batch]
    assert statuses(results) == [
        ("applied", 1, None), ("rejected", None, "out_of_scope"), ("applied", 1, None),
        ("rejected", None, "invalid_resident"), ("rejected", None, "occurred_too_old"),
        ("rejected", None, "invalid_field"), ("rejected", None, "invalid_resident"),
        ("rejected", None, "out_of_scope"), ("applied", 1, None),
    ]
    stored = {str(v) for v in await Visit.all().values_list("id", flat=True)}
    assert stored == {batch[0]["id"], batch[2]["id"], batch[8]["id"]}
    assert await VisitRevision.all().count() == 3
    assert sorted(await VisitResident.all().values_list("resident_id", flat=True)) == sorted([li.id, zhao.id])


async def test_an_id_sent_twice_in_one_push_is_stored_once_and_reused_content_is_refused(world):
    leader = world.users["leader01"]
    first = visit_record(world.households[0])
    other_content = {**first, "data": {**first["data"], "notes": "另一条"}}
    later = visit_record(world.households[1])

    results = await push(leader, first, later, first, other_content, update_of(first, 1, status="concern"))

    assert statuses(results) == [
        ("applied", 1, None), ("applied", 1, None), ("duplicate", 1, None), ("rejected", None, "id_reused"),
        ("applied", 2, None),
    ]
    assert await Visit.all().count() == 2
    assert (await Visit.get(id=first["id"])).status == "concern"


async def test_an_answer_in_the_middle_of_new_visits_keeps_its_place(world):
    leader = world.users["leader01"]
    before = [visit_record(world.households[0]) for _ in range(3)]
    not_an_answer_yet = {
        "id": str(uuid.uuid4()), "type": "answer", "op": "create", "base_version": None, "client_time": None,
        "data": {"question_id": 999999, "text": "好的"},
    }
    after = [visit_record(world.households[1]) for _ in range(3)]

    results = await push(leader, *before, not_an_answer_yet, *after)

    assert statuses(results) == [("applied", 1, None)] * 3 + [("rejected", None, "out_of_scope")] + [
        ("applied", 1, None)
    ] * 3
    assert await Visit.all().count() == 6 and await QuestionAnswer.all().count() == 0


async def test_a_bulk_insert_meeting_a_concurrent_one_keeps_nothing_and_answers_each_record_alone(world, monkeypatch):
    """The race made certain: the batch looks (finds nothing), then another request stores one of its
    ids before the batch inserts. The whole bulk insert rolls back; each record goes alone."""
    leader = world.users["leader01"]
    theirs = visit_record(world.households[0], resident_ids=[world.residents["li"].id])
    batch = [visit_record(world.households[1]), theirs, visit_record(world.households[2])]
    await push(leader, theirs)  # the other request, already committed
    theirs_before = await Visit.filter(id=theirs["id"]).values()

    looks = []
    look = TortoiseStore.known_ids

    async def looked_too_early(store, ids):
        # The batch's own look (the first) finds nothing; the one-record path then looks for real.
        looks.append(ids)
        return {} if len(looks) == 1 else await look(store, ids)

    monkeypatch.setattr(TortoiseStore, "known_ids", looked_too_early)
    results = await push(leader, *batch)

    assert statuses(results) == [("applied", 1, None), ("duplicate", 1, None), ("applied", 1, None)]
    assert await Visit.all().count() == 3
    assert await VisitRevision.all().count() == 3
    assert await VisitResident.filter(visit_id=theirs["id"]).count() == 1
    assert await Visit.filter(id=theirs["id"]).values() == theirs_before


async def test_overlapping_batches_pushed_at_once_store_every_visit_exactly_once(world):
    leader = world.users["leader01"]
    shared = [visit_record(world.households[n % 3], resident_ids=[world.residents["li"].id] if n % 3 == 0 else [])
              for n in range(40)]
    own = [[visit_record(world.households[n % 3]) for n in range(10)] for _ in range(3)]

    answers = await asyncio.gather(*(push(leader, *own[k][:5], *shared, *own[k][5:]) for k in range(3)))

    for results in answers:
        assert {r.status for r in results} <= {"applied", "duplicate"}
    for position in range(5, 45):
        assert sorted(results[position].status for results in answers) == ["applied", "duplicate", "duplicate"]
    assert await Visit.all().count() == 40 + 30
    assert await VisitRevision.all().count() == 40 + 30
    assert await VisitResident.all().count() == 14  # shared visits to household 0 saw li


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def test_a_batch_costs_the_same_few_statements_whatever_its_size(world):
    leader = world.users["leader01"]
    statements = _Statements()
    client_log = logging.getLogger("tortoise.db_client")
    level = client_log.level
    client_log.setLevel(logging.DEBUG)
    client_log.addHandler(statements)
    try:
        counts = []
        for size in (5, 400):
            statements.count = 0
            records = [visit_record(world.households[n % 3], resident_ids=[world.residents["li"].id] if n % 3 == 0
                                    else []) for n in range(size)]
            results = await push(leader, *records, now=NOW)
            assert {r.status for r in results} == {"applied"}
            counts.append(statements.count)
    finally:
        client_log.removeHandler(statements)
        client_log.setLevel(level)
    assert counts[1] == counts[0], counts  # per push, not per record
    assert counts[0] <= 15, counts


async def test_thousands_of_resident_ids_in_one_batch_are_each_records_own_refusal(world):
    """The residents of a batch are read in chunks: 500 x 70 unknown ids exceed PostgreSQL's
    32,767 parameters of one statement, and must not turn the whole push into an error."""
    leader = world.users["leader01"]
    records = [
        visit_record(world.households[0], resident_ids=list(range(1_000_000 + 70 * n, 1_000_000 + 70 * (n + 1))))
        for n in range(500)
    ]
    records[7] = visit_record(world.households[0], resident_ids=[world.residents["li"].id])

    results = await push(leader, *records)

    assert statuses(results)[7] == ("applied", 1, None)
    assert {statuses([r])[0] for n, r in enumerate(results) if n != 7} == {("rejected", None, "invalid_resident")}
    assert await Visit.all().count() == 1
