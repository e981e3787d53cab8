"""More committees on one PostgreSQL: a committee's rows copied as new committees, set-based.

`add_committees(community_id, copies=9)` on a store holding one committee (the demo, usually with
its ten years from bench/history.py) gives ten committees of the same size: ≈ 2,000,000 visits.
One INSERT … SELECT per table for all copies (generate_series numbers them), so no row passes
through Python. Used by bench/scale.py (LOUZU_BENCH_COMMITTEES=10).

Copy k of a row: integer ids and the integer foreign keys into copied tables move by k × OFFSET
(OFFSET: a power of ten above every copied id), uuids get "c" and k in their third group (bench/history.py
changes the first, so copies of copies stay distinct), usernames get "_k", the copy is no demo and
carries its number in its name. Visit.resident_ids (the residents as the phone sent them) move
with the residents. Sessions, audit, sign-in cards and uploads are not copied: the pages read
them for the one committee being measured. Every column the models have is copied, so a field
added later is carried without touching this file.
"""

from __future__ import annotations

import time

from tortoise import Tortoise, fields
from tortoise.models import Model

from bench.stores import settle
from server.models import (
    BuildingGroup, Community, Household, QuestionAnswer, Resident, RosterChange, User, Visit, VisitQuestion,
    VisitResident, VisitReviewEvent, VisitRevision,
)

# Parents before children: a copied row points at copied rows (foreign keys stay checked).
COPIED: tuple[type[Model], ...] = (
    Community, BuildingGroup, Household, Resident, User, Visit, VisitResident, VisitRevision, VisitReviewEvent,
    VisitQuestion, QuestionAnswer, RosterChange,
)
UNIQUE_TEXT = {(User, "username")}


def _uuid(column: str) -> str:
    # The version digit becomes "c" and the rest of that group k: the store's uuids are version 4
    # or 5 (phones, demo), so a copy never meets an original, whatever their other digits.
    return f"(substr({column}::text, 1, 14) || 'c' || lpad(to_hex(copies.k), 3, '0') || substr({column}::text, 19))::uuid"


def _scope(model: type[Model], community_id: int) -> str:
    if model is Community:
        return f"src.id = {community_id}"
    if "community_id" in model._meta.fields_db_projection.values():
        return f"src.community_id = {community_id}"
    if model is QuestionAnswer:
        return f"src.question_id IN (SELECT id FROM visit_question WHERE community_id = {community_id})"
    return f"src.visit_id IN (SELECT id FROM visit WHERE community_id = {community_id})"


def _columns(model: type[Model], offset: int) -> list[tuple[str, str]]:
    """(column, expression over src and copies.k) for every stored column."""
    moved = {}  # id column -> the model it points at
    for name in model._meta.fk_fields:
        fk = model._meta.fields_map[name]
        moved[fk.source_field] = fk.related_model
    out = []
    for name, column in model._meta.fields_db_projection.items():
        field = model._meta.fields_map[name]
        src = f'src."{column}"'
        target = model if field.pk else moved.get(column)
        if target is not None and target in COPIED:
            uuid = isinstance(target._meta.pk, fields.UUIDField)
            out.append((column, _uuid(src) if uuid else f"{src} + copies.k * {offset}"))
        elif (model, name) in UNIQUE_TEXT:
            out.append((column, f"{src} || '_' || copies.k"))
        elif model is Community and name == "is_demo":
            out.append((column, "false"))
        elif model is Community and name == "name":
            out.append((column, f"{src} || ' ' || (copies.k + 1)"))
        elif model is Visit and name == "resident_ids":
            out.append((column, (
                f"COALESCE((SELECT jsonb_agg((e.value)::bigint + copies.k * {offset})"
                f" FROM jsonb_array_elements_text({src}) e), '[]'::jsonb)")))
        else:
            out.append((column, src))
    return out


def copy_sql(model: type[Model], community_id: int, copies: int, offset: int) -> str:
    cols = _columns(model, offset)
    table = model._meta.db_table
    return (
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c, _ in cols)})'
        f" SELECT {', '.join(e for _, e in cols)} FROM \"{table}\" src"
        f" CROSS JOIN generate_series(1, {int(copies)}) AS copies(k) WHERE {_scope(model, int(community_id))}"
    )


async def add_committees(community_id: int, copies: int = 9, progress: bool = True) -> dict[str, int]:
    """Copy committee `community_id` `copies` times (PostgreSQL); returns the row counts after."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect != "postgres":
        raise RuntimeError("more committees on one store: PostgreSQL only")
    int_tables = [m._meta.db_table for m in COPIED if not isinstance(m._meta.pk, fields.UUIDField)]
    biggest = 0
    for table in int_tables:
        biggest = max(biggest, (await conn.execute_query_dict(f'SELECT COALESCE(max(id), 0) AS m FROM "{table}"'))[0]["m"])
    offset = 10 ** len(str(biggest))  # copy k's ids are k × offset + the original's: never taken
    links = User._meta.fields_map["building_groups"]  # user ↔ building group, no model of its own
    for model in COPIED:
        began = time.perf_counter()
        await conn.execute_script(copy_sql(model, community_id, copies, offset))
        if model is User:
            await conn.execute_script(
                f'INSERT INTO "{links.through}" ("{links.backward_key}", "{links.forward_key}")'
                f' SELECT src."{links.backward_key}" + copies.k * {offset}, src."{links.forward_key}" + copies.k * {offset}'
                f' FROM "{links.through}" src CROSS JOIN generate_series(1, {int(copies)}) AS copies(k)'
                f' WHERE src."{links.forward_key}" IN (SELECT id FROM building_group WHERE community_id = {int(community_id)})'
            )
        if progress:
            print(f"  {model._meta.db_table}: {time.perf_counter() - began:.1f} s", flush=True)
    for table in int_tables:  # the stores' own numbering continues after the copies
        await conn.execute_script(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT COALESCE(max(id), 1) FROM \"{table}\"))"
        )
    await settle()
    return {"community": await Community.all().count(), "visit": await Visit.all().count(),
            "visit_resident": await VisitResident.all().count()}
