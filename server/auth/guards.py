"""Guards: a login is required, a role is required, and every write carries the CSRF token."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection, Request
from litestar.handlers.base import BaseRouteHandler

from server.core.errors import CsrfRefused, LoginRequired, RoleRefused
from server.models import Role

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf"


def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        problem = connection.scope.get("state", {}).get("session_problem", "none")
        raise LoginRequired(problem if problem != "none" else "session_expired")


def role_required(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    allowed = {r.value for r in roles}

    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        login_required(connection, handler)
        if connection.scope["user"].role not in allowed:
            raise RoleRefused()

    return guard


def _same_origin(connection: ASGIConnection) -> bool:
    # Browsers send Origin on every cross-site POST; when present it must be ours.
    origin = connection.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = connection.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def csrf_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-wide: a write must come from our origin and carry this session's token.

    The token is per session (not per page), so an entry replayed from a phone's outbox
    hours later still carries a valid one. Login routes (opt csrf="exempt") open a new
    session and rely on the origin check plus SameSite cookies; csrf="if_session" routes
    (choosing a language) check the token only when there is a session.
    """
    if connection.scope["method"] in SAFE_METHODS:
        return
    if not _same_origin(connection):
        raise CsrfRefused()
    mode = handler.opt.get("csrf")  # None (default), "exempt" (login) or "if_session"
    if mode == "exempt":
        return
    session = connection.scope.get("auth")
    if session is None:
        if mode == "if_session":
            return
        login_required(connection, handler)
        return
    sent = connection.headers.get(CSRF_HEADER)
    if not sent:
        content_type = connection.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await Request(connection.scope, connection.receive).form()
            sent = form.get(CSRF_FIELD)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a forged token
    # like "中文" was a 500).
    if not sent or not hmac.compare_digest(str(sent).encode(), session.csrf_token.encode()):
        raise CsrfRefused()
