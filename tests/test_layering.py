"""The import direction: sync/ is the protocol, pure; the server depends on it, never the reverse.

sync/ imports neither the server nor a web or database library (so its tests need no database,
tests/sync/), and keeps no clock or time zone of its own (the caller's settings give them). The
rest of the server reaches the database half of the ingest through `server.ingest` alone, not
through its modules. Read from the source with ast: no module is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What sync/ must not import: the app, and the libraries only the app may use.
NOT_IN_SYNC = ("server", "tortoise", "litestar", "jinja2")
# What sync/ must not call: a clock or a time zone of its own.
NO_CLOCK = ("now", "utcnow", "today", "ZoneInfo")


def imported(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import in the source, those under `if TYPE_CHECKING:` included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def forbidden(source: str, roots: tuple[str, ...]) -> list[str]:
    return [f"{line}: {module}" for line, module in imported(source) if module.split(".")[0] in roots]


def clocks(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in NO_CLOCK:
                found.append(f"{node.lineno}: {name}()")
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_check_sees_an_import_of_the_server_wherever_it_is():
    assert forbidden("from server.models import Visit\n", NOT_IN_SYNC) == ["1: server.models"]
    assert forbidden("import tortoise.transactions\n", NOT_IN_SYNC) == ["1: tortoise.transactions"]
    hidden = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from litestar import Request\n"
    assert forbidden(hidden, NOT_IN_SYNC) == ["3: litestar"]
    assert forbidden("def f():\n    import jinja2\n", NOT_IN_SYNC) == ["2: jinja2"]
    assert forbidden("from sync.records import VISIT\nfrom . import fields\n", NOT_IN_SYNC) == []
    assert clocks("from datetime import datetime\nx = datetime.now()\n") == ["2: now()"]
    assert clocks("from zoneinfo import ZoneInfo\nZ = ZoneInfo('Asia/Shanghai')\n") == ["2: ZoneInfo()"]


@pytest.mark.parametrize("path", _modules("sync"), ids=_name)
def test_sync_imports_nothing_of_the_server_nor_its_libraries(path):
    assert forbidden(path.read_text(encoding="utf-8"), NOT_IN_SYNC) == [], _name(path)


@pytest.mark.parametrize("path", _modules("sync"), ids=_name)
def test_sync_keeps_no_clock_nor_time_zone_of_its_own(path):
    assert clocks(path.read_text(encoding="utf-8")) == [], _name(path)


def test_the_server_reaches_the_ingest_through_its_package_only():
    ingest = ROOT / "server" / "ingest"
    found = [
        f"{_name(path)}:{line}: {module}"
        for path in _modules("server") if ingest not in path.parents
        for line, module in imported(path.read_text(encoding="utf-8"))
        if module.startswith("server.ingest.")
    ]
    assert found == []


def test_the_ingest_is_the_only_writer_of_pushed_records():
    """Only server/ingest gives sync/ a store: no other module applies records its own way."""
    found = [
        f"{_name(path)}:{line}: {module}"
        for path in _modules("server") if (ROOT / "server" / "ingest") not in path.parents
        for line, module in imported(path.read_text(encoding="utf-8"))
        if module in ("sync.apply", "sync.store", "sync.visit_batch")
    ]
    assert found == []
