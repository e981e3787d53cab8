"""The sync protocol over HTTP (POST /api/sync/push); reading and applying records live in sync/,
writing them in server/ingest."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime

from litestar import Controller, Request, Response, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody

from server import metrics
from server.auth.guards import login_required
from server.core.clock import local_zone, now_utc
from server.ingest import apply_records
from server.models import DeviceSession
from server.settings import app_settings
from sync.envelope import EnvelopeRefused, Push, parse_push, too_large
from sync.records import MAX_BODY_BYTES, PROTOCOL
from sync.wire import (
    ApiError,
    SyncEnvelopeError,
    SyncPushRequest,
    SyncPushResponse,
    inline_json_schema,
)

# Test-only (settings.enable_test_hooks): apply the push, then lose the answer, as a phone
# sees it when the network drops after the server committed. The retry must say "duplicate".
FAULT_HEADER = "x-louzu-test-fault"
DROP_RESPONSE = "drop-response-after-commit"
# Test-only: leave a file named for this process in DATA_DIR as the push starts, so a test can
# kill -9 the very process that is applying it (tests/test_deploy_nginx.py).
NOTE_PID = "note-pid"
PUSH_REQUEST_SCHEMA = inline_json_schema(SyncPushRequest)


@dataclass
class _PushOperation(Operation):
    # The handler reads the raw body itself (to answer envelope errors in the protocol's
    # own shape), so Litestar cannot infer the request body: it is declared here.
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="Protocol 1 push: the records waiting in the phone's outbox (at most 500, 1 MiB).",
            # A plain dict is rendered as is; Litestar's types only name Schema/Reference.
            content={"application/json": OpenAPIMediaType(schema=PUSH_REQUEST_SCHEMA)},  # type: ignore[arg-type]
        )


def _error(description: str, shape: type = SyncEnvelopeError) -> ResponseSpec:
    return ResponseSpec(data_container=shape, description=description, generate_examples=False)


class SyncApi(Controller):
    path = "/api/sync"
    tags = ["sync"]
    guards = [login_required]

    @post(
        "/push",
        name="sync_push",
        status_code=200,
        # Our own limit is enforced below; this stops Litestar reading an endless body.
        request_max_body_size=MAX_BODY_BYTES,
        operation_class=_PushOperation,
        responses={
            400: _error("invalid_json or wrong_protocol: nothing stored."),
            401: _error("session_expired or session_revoked (then wipe the phone's data).", ApiError),
            403: _error("csrf_failed: missing or wrong X-CSRFToken header; nothing stored.", ApiError),
            413: _error("too_large (body over 1 MiB) or too_many_records (over 500): nothing stored."),
            422: _error("invalid_envelope (records not a list, bad device_id): nothing stored."),
        },
    )
    async def push(self, request: Request) -> Response[SyncPushResponse]:
        """Apply the records of a phone's outbox; each gets its own result, in order.

        Record types: `visit` (create/update), `answer` (create: the leader's answer to a question
        the office sent back with a visit) and `roster_change` (create: a proposed change to a
        household's residents, applied only when the office approves). A retry is always safe: a
        record already applied answers `duplicate`. Send the session's CSRF token as `X-CSRFToken`.
        """
        started = time.perf_counter()
        settings = app_settings(request)
        if settings.enable_test_hooks and request.headers.get(FAULT_HEADER) == NOTE_PID:
            (settings.data_dir / f"pushing-{os.getpid()}").touch()
        try:
            push = await _read_push(request)
        except EnvelopeRefused as refusal:
            return Response(refusal.to_json(), status_code=refusal.status)

        session: DeviceSession = request.scope["auth"]
        device_id = push.device_id or session.device_id or ""
        now = now_utc()
        results = await apply_records(
            push.records, user=request.scope["user"], device_id=device_id, now=now, zone=local_zone()
        )
        await _note_sync(session, now, push.device_id)
        metrics.observe_push(push.records, results, time.perf_counter() - started, now)

        if settings.enable_test_hooks and request.headers.get(FAULT_HEADER) == DROP_RESPONSE:
            return Response({"protocol": PROTOCOL, "error": "test_fault", "message": "测试：回复已丢弃。"}, status_code=503)
        return Response(
            {
                "protocol": PROTOCOL,
                "server_time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "results": [result.to_json() for result in results],
            }
        )


async def _read_push(request: Request) -> Push:
    try:
        body = await request.body()
    except RequestEntityTooLarge:  # Litestar stopped reading at the route's limit
        raise too_large() from None
    return parse_push(body)


async def _note_sync(session: DeviceSession, now: datetime, device_id: str | None) -> None:
    # The admin's session list shows when each phone last synced: a lost phone stands out.
    session.last_sync_at = now
    fields = ["last_sync_at"]
    if device_id and device_id != session.device_id:
        session.device_id = device_id
        fields.append("device_id")
    await session.save(update_fields=fields)
