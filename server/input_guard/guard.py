"""The app-wide guard that refuses, before any handler runs, input no handler should see.

- A control character (sync/fields.py: NUL and friends) in any query parameter or form field:
  400 naming the field, on every route, so no handler, query or template meets one. PostgreSQL
  cannot store NUL at all, and a query holding one fails there: this was a 500 on 30 routes.
- An integer path id outside the database's id range (1 .. 2^31-1), or a text path parameter
  with a control character: 404 — no such thing exists. PostgreSQL refuses to compare an
  integer column with 2147483648, which was a 500 on every route with an id in its path.

Passwords are exempt: they are never stored as typed, and refusing an old one would lock its
owner out. A handler checks the length of what it looks up, or a JSON body it reads itself,
with refuse_bad_text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from server.core.errors import TOO_LONG_INPUT, BadInput
from server.input_guard.labels import field_label
from sync.fields import MAX_INT, echo, has_control_characters, storable

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
EXEMPT = frozenset({"password"})


def _refuse_control_characters(name: str, value: object) -> None:
    if name in EXEMPT or not isinstance(value, str):
        return  # an uploaded file is read by its own checks (server/roster_import)
    if not storable(name) or not storable(value):
        raise BadInput(_shown(name), field_label(name))


def _shown(name: str) -> str:
    return echo("".join(c for c in name if not has_control_characters(c)))


def refuse_bad_text(body: Mapping[str, Any], limits: dict[str, int]) -> None:
    """For texts a handler stores or looks up as they are (a JSON body it reads itself, the
    login's username): each named one, when there, must be storable and fit its column."""
    for name, limit in limits.items():
        value = body.get(name)
        if not isinstance(value, str):
            continue
        if not storable(value):
            raise BadInput(_shown(name), field_label(name))
        if len(value) > limit:
            raise BadInput(_shown(name), field_label(name), TOO_LONG_INPUT, limit)


def _refuse_missing_path_ids(connection: ASGIConnection) -> None:
    for value in connection.path_params.values():
        if type(value) is int and not 1 <= value <= MAX_INT:
            raise NotFoundException()
        if isinstance(value, str) and not storable(value):
            raise NotFoundException()


async def refuse_bad_input(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _refuse_missing_path_ids(connection)
    for name, value in connection.query_params.multi_items():
        _refuse_control_characters(name, value)
    if connection.scope["method"] in ("GET", "HEAD", "OPTIONS"):
        return
    if connection.headers.get("content-type", "").startswith(FORM_TYPES):
        # Parsed once: Litestar keeps the form for the handler (and csrf_guard reads the same).
        form = await Request(connection.scope, connection.receive).form()
        for name, value in form.multi_items():
            _refuse_control_characters(name, value)
