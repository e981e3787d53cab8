"""Refuses a non-demo server reached over plain HTTP from anywhere but the machine itself.

Refuse, not warn: over http:// a leader's password and every visit cross the committee's Wi-Fi in
the clear, and the phone gets no service worker, so it cannot keep entries offline; a page that
looks like it works but loses a stairwell's visits is worse than a page that says why it will
not open. A banner would also come too late: the login form is the first page. Loopback stays
open (the server's own checks and `curl` on the machine), and so do the health probes and the
static files the explanation page itself uses. The demo (`--demo`) is exempt: it is for trying.

"Plain HTTP" is the scheme after server/edge/forwarded.py: behind a trusted proxy, its
X-Forwarded-Proto; so a proxy that is not trusted shows up here too, with the fix in the log.
"""

from __future__ import annotations

import json
import logging
import time

from litestar.types import ASGIApp, Receive, Scope, Send

from server.core.security_headers import HEADERS
from server.edge.forwarded import is_loopback
from server.settings import WEB_DIR, Settings

log = logging.getLogger("louzu.edge")

# Probes from a load balancer may come over plain HTTP; they carry no personal data.
OPEN_PATHS = ("/healthz", "/readyz")
OPEN_PREFIXES = ("/static/",)
STATUS = 403
WARN_EVERY_SECONDS = 60.0
PAGE = (WEB_DIR / "templates" / "https_required.html").read_bytes()
API_ERROR = json.dumps(
    {"error": "https_required", "message": "请通过 HTTPS 访问楼组通。/ Louzu must be reached over HTTPS."},
    ensure_ascii=False,
).encode()


def refused(scope: Scope, demo: bool) -> bool:
    if demo or scope["type"] != "http" or scope.get("scheme") != "http":
        return False
    path = scope["path"]
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return False
    client = scope.get("client")
    return not (client and is_loopback(client[0]))


class PlainHttpRefusal:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.demo = settings.demo
        self._warned_at = -WARN_EVERY_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not refused(scope, self.demo):
            await self.app(scope, receive, send)
            return
        self._warn(scope)
        api = scope["path"].startswith("/api/")
        body = API_ERROR if api else PAGE
        headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()] + [
            (b"content-type", b"application/json" if api else b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": STATUS, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _warn(self, scope: Scope) -> None:
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY_SECONDS:
            return
        self._warned_at = now
        client = scope.get("client")
        log.warning(
            "Plain HTTP request from %s refused (403, the 'HTTPS required' page). Serve Louzu through the"
            " HTTPS reverse proxy (deploy/, README 'Deploy') and set LOUZU_TRUSTED_PROXIES to its address so"
            " its X-Forwarded-Proto is believed. (Said at most once a minute.)",
            client[0] if client else "?",
        )
