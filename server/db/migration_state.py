"""Whether the store's applied migrations are the ones this release ships.

Pending ones are applied at start (server/db/__init__.py); ones the release does not know were applied by a
newer release, whose tables this code may misread or write wrongly: such a start is refused, and
/readyz answers 503 while either list is not empty.
"""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass

from tortoise.migrations.recorder import MigrationRecorder

import server.migrations

APP_LABEL = "models"


def _shipped() -> frozenset[str]:
    # Tortoise's loader takes every plain module of the package not starting with "_" or "~".
    return frozenset(
        name for _, name, is_pkg in pkgutil.iter_modules(server.migrations.__path__)
        if not is_pkg and name[0] not in "_~"
    )


# Read once at import: a release upgraded on disk under a running process keeps its own list.
SHIPPED = _shipped()


class NewerMigrationsError(RuntimeError):
    """The store was migrated by a newer release; the message says what to do."""

    def __init__(self, newer: tuple[str, ...]) -> None:
        super().__init__(
            "数据库已由更新版本的楼组通迁移（" + "、".join(newer) + "），这个版本不能在上面运行："
            "请运行新版本，或恢复升级前的备份。"
            f" / The database has migrations from a newer Louzu release ({', '.join(newer)});"
            " this release refuses to run on it: run the newer release, or restore the backup"
            " taken before the upgrade."
        )
        self.newer = newer


@dataclass(frozen=True)
class MigrationState:
    pending: tuple[str, ...]
    newer: tuple[str, ...]

    @property
    def current(self) -> bool:
        return not self.pending and not self.newer

    def refuse_newer(self) -> None:
        if self.newer:
            raise NewerMigrationsError(self.newer)


async def migration_state(connection) -> MigrationState:
    """Compare the store's record of applied migrations with this release's (no table: none)."""
    applied = {
        key.name for key in await MigrationRecorder(connection).applied_migrations()
        if key.app_label == APP_LABEL
    }
    return MigrationState(pending=tuple(sorted(SHIPPED - applied)), newer=tuple(sorted(applied - SHIPPED)))
