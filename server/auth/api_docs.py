"""How the JSON auth API (/api/auth/...) is described in the OpenAPI schema: shapes and answers.

Documentation only, like sync/wire.py for the push: the handlers read the body themselves (to
answer a bad one in the app's own shape), so the body is declared here. tests/test_api_schema.py
fuzzes these descriptions against the running app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody

from sync.records import MAX_DEVICE_ID_CHARS
from sync.wire import NO_CONTROL_CHARACTERS, ApiError, inline_json_schema

USERNAME_CHARS = 50  # User.username


class ApiLogin(msgspec.Struct, kw_only=True):
    username: Annotated[str, msgspec.Meta(max_length=USERNAME_CHARS, pattern=NO_CONTROL_CHARACTERS)]
    password: str
    device_id: Annotated[
        str, msgspec.Meta(description="Made once per install; shown to the admin.", max_length=MAX_DEVICE_ID_CHARS,
                          pattern=NO_CONTROL_CHARACTERS)
    ] | None = None


class ApiUser(msgspec.Struct, kw_only=True):
    id: int
    username: str
    display_name: str
    role: Literal["leader", "office", "admin"]
    locale: str


class ApiSession(msgspec.Struct, kw_only=True):
    user: ApiUser
    csrf_token: Annotated[str, msgspec.Meta(description="Send as X-CSRFToken with every write.")]


class ApiLoggedOut(msgspec.Struct, kw_only=True):
    ok: Literal[True]


@dataclass
class LoginOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="The account's username and password (a JSON object).",
            # A plain dict is rendered as is (as for the push: server/sync_api/routes.py).
            content={"application/json": OpenAPIMediaType(schema=inline_json_schema(ApiLogin))},  # type: ignore
        )


def refusal(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ApiError, description=description, generate_examples=False)


BAD_INPUT = refusal("invalid_request: not the JSON described, or a control character in a field (named in `field`).")
NOT_LOGGED_IN = refusal("session_expired or session_revoked: log in again (on session_revoked, wipe the phone's data).")
CSRF_REFUSED = refusal("csrf_failed: from another site, or without this session's X-CSRFToken header.")
LOGIN_RESPONSES = {
    400: BAD_INPUT,
    401: refusal("bad_credentials: no such active account, or the wrong password."),
    403: refusal("csrf_failed: the request came from another site (Origin)."),
    429: refusal("too_many_attempts: wait the seconds in Retry-After."),
}
SESSION_RESPONSES = {401: NOT_LOGGED_IN}
WRITE_RESPONSES = {401: NOT_LOGGED_IN, 403: CSRF_REFUSED}
