"""One JSON log line per request: request id (also sent back as X-Request-ID), user id, method,
route pattern, status, duration. Nothing personal: the route's pattern (`/households/{id:int}`),
never the path, query string, body or client address (nginx's access log has the address)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.edge.forwarded import is_trusted, parse_address
from server.settings import Settings

log = logging.getLogger("louzu.request")

REQUEST_ID_HEADER = b"x-request-id"
# nginx's $request_id is 32 hex digits; a UUID is allowed too. Anything else is replaced.
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{16,64}")


class JsonLines(logging.Formatter):
    """Each record as one line of JSON; a request's fields come in `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging() -> None:
    """`louzu serve`: every `louzu.*` logger writes JSON lines to stderr (journald, docker logs)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger("louzu")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def _incoming_id(scope: Scope, trusted) -> str | None:
    """The proxy's request id (so its access log and ours share one id); never a client's."""
    client = scope.get("state", {}).get("proxy_peer")
    if not is_trusted(parse_address(client or ""), trusted):
        return None
    for key, value in scope.get("headers", []):
        if key == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            return text if _GOOD_REQUEST_ID.fullmatch(text) else None
    return None


class RequestLog:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.trusted = settings.trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope, self.trusted) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status: list[int] = []
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user = scope.get("user")
            log.info("request", extra={"fields": {
                "request_id": request_id,
                "user_id": getattr(user, "id", None),
                "method": scope["method"],
                "route": scope.get("path_template") or None,  # None: no route (404)
                "status": status[0] if status else 500,  # none sent: the server answers 500
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }})
