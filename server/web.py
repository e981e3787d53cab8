"""Page rendering: one Jinja2 environment with per-request translations and common context."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar import Request, Response
from litestar.enums import MediaType

from server import i18n
from server.clock import local_zone
from server.leader.page_rules import form_rules
from server.settings import WEB_DIR
from server.static_files.version import ASSET_VERSION

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
    }
    return ENVIRONMENT.get_template(template_name).render({**base, **context})


def render(request: Request, template_name: str, status_code: int = 200, **context: Any) -> Response:
    return Response(
        render_string(request, template_name, **context),
        status_code=status_code,
        media_type=MediaType.HTML,
    )
