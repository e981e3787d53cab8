"""Pages name routes and limits, never write them: a route's path lives in its `@get`/`@post`,
a limit in the module that enforces it (server/core/render.py path_for, static_url, page_limits).

The permission matrices (tests/test_permissions.py, tests/test_office_permissions.py) render
every page, so a `url_for` of a name no route has fails there; this file checks the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.testing import RequestFactory

from server.app import create_app
from server.core.render import ENVIRONMENT, page_limits, path_for
from server.settings import WEB_DIR
from server.static_files.version import ASSET_VERSION

TEMPLATES = WEB_DIR / "templates"
SERVER = Path(__file__).resolve().parents[1] / "server"

# An internal path written into a link, a form, an htmx request or a data-*-url.
WRITTEN_PATH = re.compile(r'\b(?:href|action|formaction|src|hx-(?:get|post|put|delete|push-url)|data-[\w-]+)="/')
# Deliberate exceptions, each for a reason:
# - https_required.html is not a Jinja template: server/edge/plain_http.py sends its bytes as they
#   are, before any route exists for the request.
NOT_JINJA = {"https_required.html"}
# A limit written as a number instead of read from `limits`.
WRITTEN_LIMIT = re.compile(r'\b(?:maxlength|minlength|min|max)="\d')


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if p.name not in NOT_JINJA)


def _lines_matching(paths: list[Path], root: Path, pattern: re.Pattern) -> list[str]:
    """Every line of these files that `pattern` finds, as file:line: text."""
    return [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]


def test_no_template_writes_an_internal_path():
    written = _lines_matching(_templates(), TEMPLATES, WRITTEN_PATH)
    assert not written, "use url_for(name, ...) or static_url(file):\n" + "\n".join(written)


def test_no_template_writes_a_limit():
    written = _lines_matching(_templates(), TEMPLATES, WRITTEN_LIMIT)
    assert not written, "use limits.<name> (server/core/render.py page_limits):\n" + "\n".join(written)


def test_no_controller_redirects_to_a_written_path():
    written = _lines_matching(sorted(SERVER.rglob("*.py")), SERVER, re.compile(r'Redirect\(f?"/'))
    assert not written, "use path_for(request, name, ...):\n" + "\n".join(written)


def test_every_route_name_the_code_uses_exists():
    app = create_app()
    used = {
        name
        for path in _templates()
        for name in re.findall(r"url_for\('(\w+)'", path.read_text(encoding="utf-8"))
    } | {
        name
        for path in SERVER.rglob("*.py")
        for name in re.findall(r'path_for\(\s*request, "(\w+)"', path.read_text(encoding="utf-8"))
    }
    # The staff navigation names its routes in a list (office/layout.html).
    used |= set(re.findall(r'\("\w+", "(\w+)", _\(', (TEMPLATES / "office" / "layout.html").read_text()))
    assert len(used) > 40
    assert not {name for name in used if app.get_handler_index_by_name(name) is None}


def test_every_page_route_has_a_name():
    app = create_app()
    unnamed = [
        route.path
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if not handler.name and handler.http_methods - {"OPTIONS", "HEAD"}
        and not route.path.startswith("/api/schema")
    ]
    assert not unnamed


@get("/things/{thing_id:int}/parts/{part:str}", name="part")
async def _part() -> None: ...


@pytest.fixture
def request_():
    return RequestFactory(app=Litestar([_part, _static()])).get("/")


def _static():
    from litestar.static_files import create_static_files_router

    return create_static_files_router(path="/static", directories=[WEB_DIR / "static"], name="static")


def test_path_for_fills_the_path_and_puts_the_rest_in_the_query(request_):
    assert path_for(request_, "part", thing_id=7, part="a") == "/things/7/parts/a"
    # A number read from the store as text (an audit event's target) still fills an int parameter.
    assert path_for(request_, "part", thing_id="7", part="a") == "/things/7/parts/a"
    assert (
        path_for(request_, "part", thing_id=7, part="a", saved="x y", back="/office?a=1", skip=None, _anchor="end")
        == "/things/7/parts/a?saved=x+y&back=/office%3Fa%3D1#end"
    )


def test_path_for_refuses_a_name_no_route_has(request_):
    with pytest.raises(LookupError):
        path_for(request_, "no_such_route")


def test_static_urls_carry_the_release_except_the_files_the_worker_keeps_by_name(request_):
    render = ENVIRONMENT.from_string("{{ static_url('css/louzu.css') }} {{ static_url('icons/icon.svg', versioned=False) }}")
    assert render.render(request=request_).split() == [f"/static/css/louzu.css?v={ASSET_VERSION}", "/static/icons/icon.svg"]


def test_the_limits_are_the_enforced_ones():
    from sync.form_rules import MAX_NAME_CHARS, MIN_BIRTH_YEAR
    from sync.records import MAX_TEXT_CHARS

    limits = page_limits()
    assert (limits.name, limits.birth_year_min, limits.text) == (MAX_NAME_CHARS, MIN_BIRTH_YEAR, MAX_TEXT_CHARS)
    assert limits.street == limits.address - limits.room  # street + room are stored as one address
