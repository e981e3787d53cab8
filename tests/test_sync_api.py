"""POST /api/sync/push over HTTP: the phone's outbox is applied once, refused whole only when unreadable."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from server.models import DeviceSession, Visit
from sync.records import MAX_BODY_BYTES, MAX_RECORDS
from tests.factories import api_login

PUSH = "/api/sync/push"
DEVICE = "5f0c6a3e-0b1d-4c55-9d7e-2f9b7c1a0e11"


def visit_record(household, **data_changes):
    """A visit as the phone's outbox holds it, made a few minutes ago."""
    occurred_at = datetime.now(timezone.utc) - timedelta(minutes=5)
    data = {
        "household_id": household.id,
        "resident_ids": [],
        "kind": "elderly_check",
        "occurred_at": occurred_at.astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds"),
        "status": "ok",
        "notes": "血压正常，精神好",
        "follow_up_needed": False,
        "follow_up_due": None,
    }
    data.update(data_changes)
    return {
        "id": str(uuid.uuid4()),
        "type": "visit",
        "op": "create",
        "base_version": None,
        "client_time": datetime.now(timezone.utc).isoformat(),
        "data": data,
    }


def envelope(*records, **changes):
    return {"protocol": 1, "device_id": DEVICE, "records": list(records), **changes}


@pytest.fixture
async def leader(client, world):
    """The test client, logged in as leader01; returns the CSRF token to send with writes."""
    return await api_login(client, "leader01")


def csrf(token):
    return {"X-CSRFToken": token}


async def test_a_pushed_visit_is_applied_and_answered_in_the_protocols_shape(client, world, leader):
    record = visit_record(world.households[0], resident_ids=[world.residents["li"].id])

    response = await client.post(PUSH, json=envelope(record), headers=csrf(leader))

    assert response.status_code == 200
    body = response.json()
    assert body["protocol"] == 1
    assert body["results"] == [{"id": record["id"], "status": "applied", "version": 1}]
    server_time = datetime.strptime(body["server_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(server_time - datetime.now(timezone.utc)) < timedelta(minutes=1)
    visit = await Visit.get(id=record["id"])
    assert visit.author_id == world.users["leader01"].id and visit.device_id == DEVICE


async def test_a_retry_of_the_same_push_is_a_duplicate_and_stores_nothing_new(client, world, leader):
    record = visit_record(world.households[0])
    await client.post(PUSH, json=envelope(record), headers=csrf(leader))

    retry = await client.post(PUSH, json=envelope(record), headers=csrf(leader))

    assert retry.status_code == 200
    assert retry.json()["results"] == [{"id": record["id"], "status": "duplicate", "version": 1}]
    assert await Visit.all().count() == 1


async def test_a_rejected_record_comes_back_with_its_error_beside_the_applied_ones(client, world, leader):
    good = visit_record(world.households[0])
    foreign = visit_record(world.households[3])  # leader02's building group

    response = await client.post(PUSH, json=envelope(good, foreign), headers=csrf(leader))

    assert response.status_code == 200
    applied, rejected = response.json()["results"]
    assert applied["status"] == "applied"
    assert rejected["id"] == foreign["id"] and rejected["status"] == "rejected" and rejected["version"] is None
    assert rejected["error"]["code"] == "out_of_scope" and rejected["error"]["field"] == "household_id"
    assert "楼组" in rejected["error"]["message"]


async def test_broken_characters_in_a_record_are_rejected_without_breaking_the_answer(client, world, leader):
    # JSON may carry "\ud800" escapes: lone surrogates, which are not valid UTF-8 once decoded.
    odd_key = visit_record(world.households[0])
    odd_key["data"]["\udc00x"] = 1
    odd_notes = visit_record(world.households[0], notes="\ud800")
    odd_id = {**visit_record(world.households[0]), "id": "\ud800"}
    body = json.dumps(envelope(odd_key, odd_notes, odd_id))  # ASCII with \u escapes

    response = await client.post(PUSH, content=body, headers={**csrf(leader), "Content-Type": "application/json"})

    assert response.status_code == 200
    assert [r["error"]["code"] for r in response.json()["results"]] == ["unknown_field", "invalid_field", "invalid_id"]
    assert await Visit.all().count() == 0


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "not-the-token"}], ids=["missing", "wrong"])
async def test_a_push_without_the_sessions_csrf_token_is_refused_and_stores_nothing(client, world, leader, headers):
    response = await client.post(PUSH, json=envelope(visit_record(world.households[0])), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert await Visit.all().count() == 0


async def test_a_push_without_a_session_answers_session_expired(client, world):
    response = await client.post(PUSH, json=envelope(visit_record(world.households[0])), headers=csrf("x"))
    assert response.status_code == 401
    assert response.json() == {"error": "session_expired"}
    assert await Visit.all().count() == 0


async def test_an_office_account_gets_each_record_rejected_not_the_whole_push(client, world):
    token = await api_login(client, "office")
    response = await client.post(PUSH, json=envelope(visit_record(world.households[0])), headers=csrf(token))
    assert response.status_code == 200
    assert response.json()["results"][0]["error"]["code"] == "forbidden_role"


def _raw(text: str) -> dict:
    return {"content": text.encode("utf-8"), "headers": {"Content-Type": "application/json"}}


ENVELOPE_CASES = [
    ("not JSON", lambda h: _raw('{"protocol": 1, "records": ['), 400, "invalid_json"),
    ("not UTF-8", lambda h: {"content": b'{"protocol": 1, "records": ["\xff"]}'}, 400, "invalid_json"),
    ("an array", lambda h: {"json": [visit_record(h)]}, 400, "wrong_protocol"),
    ("no protocol", lambda h: {"json": {"records": [visit_record(h)]}}, 400, "wrong_protocol"),
    ("protocol 2", lambda h: {"json": envelope(visit_record(h), protocol=2)}, 400, "wrong_protocol"),
    ("protocol as text", lambda h: {"json": envelope(visit_record(h), protocol="1")}, 400, "wrong_protocol"),
    ("records an object", lambda h: {"json": envelope(records=visit_record(h))}, 422, "invalid_envelope"),
    ("no records", lambda h: {"json": {"protocol": 1}}, 422, "invalid_envelope"),
    ("device_id too long", lambda h: {"json": envelope(visit_record(h), device_id="x" * 65)}, 422, "invalid_envelope"),
    ("device_id a number", lambda h: {"json": envelope(visit_record(h), device_id=7)}, 422, "invalid_envelope"),
    (
        "501 records",
        lambda h: {"json": envelope(*(visit_record(h) for _ in range(MAX_RECORDS + 1)))},
        413,
        "too_many_records",
    ),
]


@pytest.mark.parametrize(
    ("make_request", "status", "code"), [c[1:] for c in ENVELOPE_CASES], ids=[c[0] for c in ENVELOPE_CASES]
)
async def test_an_unreadable_envelope_refuses_the_whole_push_and_stores_nothing(
    client, world, leader, make_request, status, code
):
    headers = csrf(leader)
    request = make_request(world.households[0])
    headers.update(request.pop("headers", {}))

    response = await client.post(PUSH, headers=headers, **request)

    assert response.status_code == status
    body = response.json()
    assert (body["protocol"], body["error"]) == (1, code)
    assert body["message"] and not body["message"].isascii()
    assert await Visit.all().count() == 0
    assert (await DeviceSession.get(user_id=world.users["leader01"].id)).last_sync_at is None


async def test_exactly_500_records_are_accepted(client, world, leader):
    records = [visit_record(world.households[0], notes="") for _ in range(MAX_RECORDS)]
    response = await client.post(PUSH, json=envelope(*records), headers=csrf(leader))
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * MAX_RECORDS


def _valid_push_of_at_least(size: int, household) -> bytes:
    """Valid records (long notes) enough for the body to pass `size` bytes."""
    one = len(json.dumps(visit_record(household, notes="好" * 2000), ensure_ascii=False).encode("utf-8"))
    records = [visit_record(household, notes="好" * 2000) for _ in range(size // one + 1)]
    return json.dumps(envelope(*records), ensure_ascii=False).encode("utf-8")


async def _in_chunks(body: bytes):
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


@pytest.mark.parametrize(
    ("size", "streamed"),
    [(MAX_BODY_BYTES, False), (3 * MAX_BODY_BYTES, False), (MAX_BODY_BYTES, True)],
    ids=["just over 1 MiB", "3 MiB", "streamed without Content-Length"],
)
async def test_a_body_over_1_mib_is_refused_as_too_large_and_stores_nothing(client, world, leader, size, streamed):
    body = _valid_push_of_at_least(size, world.households[0])
    assert size < len(body) < size + 10_000

    content = _in_chunks(body) if streamed else body
    response = await client.post(PUSH, content=content, headers={**csrf(leader), "Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert await Visit.all().count() == 0


async def test_a_push_notes_when_this_phone_last_synced_and_its_device_id(client, world, leader):
    before = datetime.now(timezone.utc)
    await client.post(PUSH, json=envelope(visit_record(world.households[0])), headers=csrf(leader))
    session = await DeviceSession.get(user_id=world.users["leader01"].id)
    assert session.last_sync_at is not None and session.last_sync_at >= before.replace(microsecond=0)
    assert session.device_id == DEVICE


async def test_the_push_endpoint_is_documented_in_the_openapi_schema(client, db):
    schema = (await client.get("/api/schema/openapi.json")).json()
    push = schema["paths"]["/api/sync/push"]["post"]
    request_schema = push["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["properties"]["records"]["maxItems"] == MAX_RECORDS
    variants = {
        v["properties"]["type"]["enum"][0]: v["properties"] for v in request_schema["properties"]["records"]["items"]["anyOf"]
    }
    assert set(variants) == {"visit", "answer", "roster_change"}
    assert variants["answer"]["op"]["enum"] == variants["roster_change"]["op"]["enum"] == ["create"]
    assert variants["answer"]["data"]["properties"]["text"]["maxLength"] == 2000
    roster_data = variants["roster_change"]["data"]
    assert set(roster_data["properties"]["fields"]["properties"]) == {"name", "gender", "birth_year", "phone", "care_flags"}
    assert set(roster_data["properties"]["change"]["enum"]) == {"new_resident", "moved", "deceased", "update"}
    assert "#/$defs" not in json.dumps(request_schema)  # everything written in place, nothing dangling
    visit_data = variants["visit"]["data"]
    assert visit_data["properties"]["notes"]["maxLength"] == 2000
    assert {"200", "400", "401", "403", "413", "422"} <= set(push["responses"])
    assert push["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("SyncPushResponse")


async def test_a_response_lost_after_commit_stores_once_and_the_retry_says_duplicate(client, world, leader):
    record = visit_record(world.households[0])
    lose_it = {**csrf(leader), "X-Louzu-Test-Fault": "drop-response-after-commit"}

    lost = await client.post(PUSH, json=envelope(record), headers=lose_it)
    assert lost.status_code == 503 and "results" not in lost.json()
    assert await Visit.all().count() == 1

    retry = await client.post(PUSH, json=envelope(record), headers=csrf(leader))
    assert retry.json()["results"] == [{"id": record["id"], "status": "duplicate", "version": 1}]
    assert await Visit.all().count() == 1


async def test_the_fault_hook_does_nothing_unless_test_hooks_are_on(settings, world):
    from server.app import create_app

    app = create_app(settings.with_(enable_test_hooks=False), manage_db=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as production:
        token = await api_login(production, "leader01")
        response = await production.post(
            PUSH,
            json=envelope(visit_record(world.households[0])),
            headers={**csrf(token), "X-Louzu-Test-Fault": "drop-response-after-commit"},
        )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "applied"
