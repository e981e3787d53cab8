"""What every office and admin page needs: the user's community, rendering with the words."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from litestar import Request, Response

from server.core import words
from server.core.errors import found
from server.core.render import render
from server.models import Community, User
from sync import vocabulary

WORDS = SimpleNamespace(
    kind=vocabulary.VISIT_KIND_WORDS,
    status=words.VISIT_STATUS_WORDS_URGENT_FIRST,
    review=words.OFFICE_REVIEW_WORDS,
    review_action=words.REVIEW_ACTION_WORDS,
    care_flag=vocabulary.CARE_FLAG_WORDS,
    resident_status=words.RESIDENT_STATUS_WORDS,
    role=words.ROLE_WORDS,
    audit_action=words.AUDIT_ACTION_WORDS,
    history=words.HISTORY_WORDS,
    question_state=words.QUESTION_STATE_WORDS,
    roster_change=vocabulary.ROSTER_CHANGE_WORDS,
    roster_state=words.OFFICE_ROSTER_STATE_WORDS,
    resident_field=words.RESIDENT_FIELD_WORDS,
    gender=words.GENDER_WORDS,
)


def current_user(request: Request) -> User:
    return request.scope["user"]


def community_id(request: Request) -> int | None:
    """Every office and admin query is scoped to this; a user without one sees nothing."""
    return current_user(request).community_id


async def current_community(request: Request) -> Community:
    return found(await Community.get_or_none(id=community_id(request)) if community_id(request) else None)


def code(value: Any) -> str:
    """An enum member or its value, as the plain code."""
    return str(getattr(value, "value", value))


def staff_render(request: Request, template: str, section: str, status_code: int = 200, **context: Any) -> Response:
    response = render(request, template, status_code=status_code, words=WORDS, section=section, code=code, **context)
    # Residents' names and notes: never kept in a shared office PC's browser cache.
    response.headers["cache-control"] = "no-store"
    return response


def attachment_headers(filename: str, shown_name: str | None = None) -> dict[str, str]:
    """A download's headers: saved as `filename` (ASCII, for every browser), or as `shown_name`
    (a Chinese name) by browsers that read RFC 6266's filename*; kept out of every cache, since
    it is the committee's records."""
    disposition = f'attachment; filename="{filename}"'
    if shown_name:
        disposition += f"; filename*=UTF-8''{quote(shown_name)}"
    return {"content-disposition": disposition, "cache-control": "no-store"}
