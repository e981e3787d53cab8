"""The query plans of the leader's and the office's pages on PostgreSQL: which scan reads the big tables.

Run: LOUZU_BENCH_DB=louzu_ten_years LOUZU_BENCH_STORES=postgres .venv/bin/python bench/plans.py
     (the store bench/scale.py built; prints every SELECT a page runs with the scans of visit,
     visit_resident, visit_review_event, visit_revision and household/resident in its plan)
`page_plans()` is what tests/test_query_plans.py runs: the real routes through the app, every
SELECT they send captured from Tortoise's query log and EXPLAINed (ANALYZE) with its own values.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BIG_TABLES = ("visit", "visit_resident", "visit_review_event", "visit_revision")


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[tuple[str, list]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) == 2 and isinstance(args[0], str) and args[0].lstrip().upper().startswith(("SELECT", "WITH")):
            self.queries.append((args[0], list(args[1] or [])))


def _scans(node: dict, out: list[dict]) -> list[dict]:
    if "Relation Name" in node:
        out.append({"node": node["Node Type"], "table": node["Relation Name"], "index": node.get("Index Name"),
                    "rows": node.get("Actual Rows"), "loops": node.get("Actual Loops")})
    for child in node.get("Plans", []):
        _scans(child, out)
    return out


async def page_plans(settings: Any) -> list[dict]:
    """For each page: every SELECT it ran, with its time and the scans in its plan."""
    import httpx
    from tortoise import Tortoise

    from server.app import create_app
    from server.auth.sessions import COOKIE_NAME, open_session
    from server.models import Community, User, Visit

    community = await Community.get(is_demo=True)
    leader = await User.get(community_id=community.id, username="leader01")
    rows = await Visit.filter(community_id=community.id, author_id=leader.id).values_list("household_id", flat=True)
    household = max(set(rows), key=rows.count)
    office = await User.get(community_id=community.id, username="office")
    tokens = {"leader": (await open_session(leader, settings, "plans"))[0],
              "office": (await open_session(office, settings, "plans"))[0]}
    pages = [("leader", "/"), ("leader", f"/households/{household}"), ("leader", "/api/sync/manifest"),
             ("office", "/office/"), ("office", "/office/?page=3"), ("office", "/office/live"),
             ("office", "/office/checks")]
    app = create_app(settings, manage_db=False)
    log = logging.getLogger("tortoise.db_client")
    conn = Tortoise.get_connection("default")
    found = []
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for who, url in pages:
            captured = _Captured()
            log.addHandler(captured)
            old_level, old_propagate = log.level, log.propagate
            log.setLevel(logging.DEBUG)
            log.propagate = False  # captured, not printed
            try:
                response = await client.get(url, headers={"cookie": f"{COOKIE_NAME}={tokens[who]}"})
            finally:
                log.removeHandler(captured)
                log.setLevel(old_level)
                log.propagate = old_propagate
            assert response.status_code == 200, (url, response.status_code)
            for sql, values in captured.queries:
                plan = (await conn.execute_query_dict("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, values))[0]
                plan = plan["QUERY PLAN"]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                found.append({"page": url, "sql": sql, "ms": plan[0]["Execution Time"],
                              "scans": _scans(plan[0]["Plan"], [])})
    return found


def seq_scans(found: list[dict], tables: tuple[str, ...] = ("visit", "visit_resident", "visit_review_event")) -> list[dict]:
    return [q for q in found if any(s["node"] == "Seq Scan" and s["table"] in tables for s in q["scans"])]


async def _bench(label: str, database_url: str, data_dir: Path) -> None:
    from bench.stores import open_store

    if not database_url.startswith("postgres"):
        print(f"{label}: plans are read on PostgreSQL only")
        return
    async with open_store(database_url, data_dir) as settings:
        for query in await page_plans(settings):
            big = [s for s in query["scans"] if s["table"] in BIG_TABLES + ("household", "resident")]
            print(f"{query['page']:<24} {query['ms']:8.2f} ms  {query['sql'][:150]}")
            for scan in big:
                flag = "  <-- SEQ SCAN" if scan["node"] == "Seq Scan" else ""
                print(f"{'':<28}{scan['node']} on {scan['table']} ({scan['index'] or '-'}) rows={scan['rows']}"
                      f" loops={scan['loops']}{flag}")


if __name__ == "__main__":
    from bench.stores import on_both_stores

    on_both_stores(__file__, _bench)
