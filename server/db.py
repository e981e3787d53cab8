"""Database wiring: the Tortoise config, start/stop, and running the committed migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate as run_migrations

from server.settings import Settings, get_settings

MODELS_MODULE = "server.models"
MIGRATIONS_MODULE = "server.migrations"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    if settings.is_sqlite:
        path = settings.database_url[len("sqlite://"):]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the browser-test server and the test process share one file safely.
        connection: Any = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {"file_path": path, "journal_mode": "WAL", "foreign_keys": "ON"},
        }
    else:
        connection = settings.database_url
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` reads server.db.TORTOISE_ORM (pyproject [tool.tortoise]);
    # computed lazily so importing this module never reads the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings())
    raise AttributeError(name)


async def init_db(settings: Settings) -> None:
    """Open the connection for this process; requests in any task see it (global context)."""
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings, progress: bool = False) -> None:
    """Apply every committed migration not yet applied (safe to run on every start)."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress and event == "apply_done":
            print(f"  已应用迁移 / applied migration {app_label}.{name}", flush=True)

    await run_migrations(config=tortoise_config(settings), progress=report)
    if settings.is_sqlite:
        await refresh_sqlite_statistics()


async def refresh_sqlite_statistics() -> None:
    """SQLite plans without statistics take `community_id = ?` for a selective filter (in a store
    of one committee it matches every row) and walk the whole history through that index, e.g.
    for the dashboard's duplicate windows. A sampled ANALYZE (a few ms, whatever the size) on
    every start gives the planner the real shape. PostgreSQL keeps its own (autovacuum)."""
    await Tortoise.get_connection("default").execute_script("PRAGMA analysis_limit=1000; ANALYZE;")
