"""Page rendering: one Jinja2 environment with per-request translations and common context."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar import Request, Response
from litestar.enums import MediaType

from server.core import i18n, limits
from server.core.clock import local_zone
from server.leader.page_rules import form_rules
from server.settings import WEB_DIR
from server.static_files.version import ASSET_VERSION
from sync.form_rules import MAX_BIRTH_YEAR, MAX_NAME_CHARS, MAX_PHONE_CHARS, MIN_BIRTH_YEAR
from sync.records import MAX_NOTES_CHARS, MAX_TEXT_CHARS

LOCALE_COOKIE = "louzu_locale"


@pass_context
def _gettext(context: Any, message: str) -> str:
    return context["translations"].gettext(message)


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return context["translations"].ngettext(singular, plural, n)


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and always shown in Shanghai time (an ISO text too: a stored pack)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(local_zone()).strftime(fmt)


_PATH_PARAMETER = re.compile(r"{(\w+):(\w+)}")
_PARAMETER_TYPES = {"int": int, "str": str}


def path_for(request: Request, name: str, /, _anchor: str = "", **params: Any) -> str:
    """The path of the route called `name` (its `name=`), for links and redirects alike.

    Parameters the route's path names fill it; the others become its query string (None left
    out), and `_anchor` its fragment: `path_for(request, "office_visit", visit_id=v.id,
    saved="send_back", _anchor="send-back")`. A name that no route has raises, so a renamed or
    removed route fails every page that links to it (the permission tests render them all).
    """
    index = request.app.get_handler_index_by_name(name)
    if index is None:
        raise LookupError(f"no route is called {name!r}")
    declared = {key: kind for path in index["paths"] for key, kind in _PATH_PARAMETER.findall(path)}
    in_path = {key: _PARAMETER_TYPES.get(declared[key], str)(value) for key, value in params.items() if key in declared}
    path = request.app.route_reverse(name, **in_path)
    query = urlencode([(key, value) for key, value in params.items() if key not in declared and value is not None], safe="/")
    return path + (f"?{query}" if query else "") + (f"#{_anchor}" if _anchor else "")


@pass_context
def _url_for(context: Any, name: str, /, **params: Any) -> str:
    return path_for(context["request"], name, **params)


@pass_context
def _static_url(context: Any, file_path: str, versioned: bool = True) -> str:
    """A file under web/static, with this release's `?v=`: kept a year by the phone, a new URL
    whenever any static file changes (server/static_files/cache_control.py). `versioned=False`
    for a file the service worker keeps by its plain URL (the icons: web/sw.js SHELL)."""
    path = path_for(context["request"], "static", file_path=file_path)
    return f"{path}?{urlencode({'v': ASSET_VERSION})}" if versioned else path


@cache
def page_limits() -> SimpleNamespace:
    """The limits a page's form controls carry (maxlength, min, max), read from the modules that
    enforce them (core/limits, and the protocol's for what a leader types): a template never
    writes a number the server could change without it."""
    return SimpleNamespace(
        display_name=limits.MAX_DISPLAY_NAME_CHARS,
        leader_search=limits.SEARCH_MAX_CHARS,
        resident_search=limits.MAX_QUERY_CHARS,
        check_days_min=limits.RULE_MIN,
        check_days_max=limits.RULE_MAX,
        group_number_digits=len(str(limits.MAX_GROUP_NUMBER)),
        group_name=limits.MAX_GROUP_NAME_CHARS,
        address=limits.MAX_ADDRESS_CHARS,
        room=limits.MAX_ROOM_CHARS,
        # A new household's street: the stored address is the street and the room together.
        street=limits.MAX_ADDRESS_CHARS - limits.MAX_ROOM_CHARS,
        office_comment=limits.MAX_COMMENT,
        text=MAX_TEXT_CHARS,
        notes=MAX_NOTES_CHARS,
        name=MAX_NAME_CHARS,
        phone=MAX_PHONE_CHARS,
        birth_year_min=MIN_BIRTH_YEAR,
        birth_year_max=MAX_BIRTH_YEAR,
        birth_year_digits=len(str(MAX_BIRTH_YEAR)),
    )


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(WEB_DIR / "templates")),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)
    env.filters["local_time"] = local_time
    env.globals["form_rules"] = form_rules  # the leader's forms carry the sync rules (data-rules)
    env.globals["url_for"] = _url_for
    env.globals["static_url"] = _static_url
    return env


ENVIRONMENT = _build_environment()


def request_locale(request: Request) -> str:
    user = request.scope.get("user")
    if user is not None:
        return i18n.normalise_locale(user.locale)
    return i18n.normalise_locale(request.cookies.get(LOCALE_COOKIE))


def render_string(request: Request, template_name: str, **context: Any) -> str:
    locale = request_locale(request)
    session = request.scope.get("auth")
    base = {
        "request": request,
        "user": request.scope.get("user"),
        "csrf_token": session.csrf_token if session is not None else "",
        "locale": locale,
        "html_lang": "zh-Hans" if locale == "zh_Hans" else "en",
        "translations": i18n.translations(locale),
        "app_version": ASSET_VERSION,
        "limits": page_limits(),  # not `rules`: the checks page has its own `rules` (check intervals)
    }
    return ENVIRONMENT.get_template(template_name).render({**base, **context})


def render(request: Request, template_name: str, status_code: int = 200, **context: Any) -> Response:
    return Response(
        render_string(request, template_name, **context),
        status_code=status_code,
        media_type=MediaType.HTML,
    )
