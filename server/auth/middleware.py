"""Loads the device session named by the cookie into the request scope, for every route."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.auth.sessions import COOKIE_NAME, lookup
from server.settings import Settings

# Static files and the worker script need no session; skipping them saves a query each.
# The health probes must answer without touching the database (/healthz) or a session.
_PUBLIC_PREFIXES = ("/static/", "/sw.js", "/manifest.webmanifest", "/favicon.ico", "/healthz", "/readyz")


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is treated as no cookie
                return None
            if name in jar:
                return jar[name].value
    return None


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        scope["auth"] = None
        scope.setdefault("state", {})["session_problem"] = "none"
        if not scope["path"].startswith(_PUBLIC_PREFIXES):
            found = await lookup(_cookie(scope, COOKIE_NAME), self.settings)
            scope["user"] = found.user
            scope["auth"] = found.session
            scope["state"]["session_problem"] = found.problem
        await next_app(scope, receive, send)
