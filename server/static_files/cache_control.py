"""Cache lifetimes for /static: a URL that names its version never changes, so a phone keeps it
for a year and a repeat visit online costs no request for it; any other static URL is checked
with the server each time (a cheap 304), so a new release is never hidden behind an old copy.

Versioned: `?v=<ASSET_VERSION>` (the pages put it on every CSS and JS URL; it changes whenever a
file under web/static does: server/static_files/version.py) and the files under /static/vendor/, whose names carry their version.
A `?v=` of another release is not this release's file: it is not promised to stay.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.static_files.version import ASSET_VERSION

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control_for(path: str, query_string: bytes | str) -> str | None:
    """The Cache-Control of a static URL, or None for a URL that is not static."""
    if not path.startswith("/static/"):
        return None
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    versions = parse_qs(query_string).get("v", [])
    if path.startswith("/static/vendor/") or versions == [ASSET_VERSION]:
        return IMMUTABLE
    return REVALIDATE


class StaticCacheMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        chosen = cache_control_for(scope["path"], scope.get("query_string", b""))
        if chosen is None:
            await next_app(scope, receive, send)
            return

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                MutableScopeHeaders.from_message(message)["cache-control"] = chosen
            await send(message)

        await next_app(scope, receive, send_with_cache_control)
