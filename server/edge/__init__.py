"""What every request passes before the app, 404s and 405s included (Litestar's own middleware
runs only once a route matched): the real client behind the proxy, the request log line, and
the refusal of plain HTTP."""

from __future__ import annotations

from litestar.types import ASGIApp

from server.edge.forwarded import ForwardedHeaders
from server.edge.plain_http import PlainHttpRefusal
from server.edge.request_log import RequestLog
from server.settings import Settings


def wrap(handler: ASGIApp, settings: Settings) -> ASGIApp:
    # Outermost first: the client and scheme are settled before the log and the refusal read them.
    return ForwardedHeaders(RequestLog(PlainHttpRefusal(handler, settings), settings), settings)
