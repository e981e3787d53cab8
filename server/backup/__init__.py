"""`louzu backup DIR` and `louzu restore FILE`: a whole store as one file, and back.

SQLite: the online backup API copies a consistent snapshot while the server keeps writing (WAL:
the copy never blocks a push). PostgreSQL: `pg_dump --format=custom` (Debian package
postgresql-client, the same major version as the server or newer), restored by `pg_restore`.

A backup is written under a temporary name and renamed when complete and checked, so a file named
louzu-*.sqlite3 / louzu-*.pgdump is never half a backup; it holds personal data, so it is made
readable by its owner only. A restore goes into an empty store only (a fresh DATA_DIR, or a new
PostgreSQL database made with `createdb`) unless told to overwrite, and refuses a backup made by a
newer release. Entry points: `make_backup`, `restore_backup`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from server.backup import postgres, sqlite
from server.backup.errors import BackupError
from server.core.clock import now_utc
from server.db import sqlite_file
from server.db.migration_state import SHIPPED
from server.settings import Settings

__all__ = ["BackupError", "make_backup", "restore_backup"]

PREFIX = "louzu-"
SUFFIXES = (sqlite.SUFFIX, postgres.SUFFIX)


@dataclass(frozen=True)
class Written:
    path: Path
    removed: list[Path]


def make_backup(settings: Settings, directory: Path, keep: int | None = None) -> Written:
    """Write a backup into `directory`; with `keep`, remove all but the newest `keep` backups
    there (only files named as this command names them)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = sqlite.SUFFIX if settings.is_sqlite else postgres.SUFFIX
    target = _free_name(directory, now_utc().strftime("%Y%m%d-%H%M%SZ"), suffix)
    partial = target.with_name(target.name + ".partial")
    # Created empty and private first: the tools below write into it, keeping its mode.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        if settings.is_sqlite:
            sqlite.backup(_sqlite_store(settings), partial)
        else:
            postgres.backup(settings.database_url, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Written(target, _prune(directory, keep) if keep else [])


def restore_backup(settings: Settings, file: Path, overwrite: bool = False) -> None:
    """Restore `file` into the configured store, which must be empty unless `overwrite`."""
    if not file.is_file():
        raise BackupError(f"找不到备份文件 / no such backup file: {file}")
    kind = sqlite if sqlite.is_backup(file) else postgres if postgres.is_backup(file) else None
    if kind is None:
        raise BackupError(f"这不是楼组通的备份文件 / not a Louzu backup (SQLite or pg_dump custom format): {file}")
    if (kind is sqlite) != settings.is_sqlite:
        raise BackupError(
            "备份和数据库类型不同，不能恢复（SQLite 的备份只能恢复到 SQLite，PostgreSQL 的只能恢复到 PostgreSQL）"
            " / the backup is of the other kind of store (SQLite vs PostgreSQL)"
        )
    newer = sorted(kind.migrations(file) - SHIPPED)
    if newer:
        raise BackupError(
            "这个备份由更新版本的楼组通生成（" + "、".join(newer) + "），请用那个版本恢复。"
            f" / the backup was made by a newer Louzu release ({', '.join(newer)}): restore it with that release"
        )
    if settings.is_sqlite:
        store = sqlite_file(settings)
        if store is None:
            raise BackupError("内存数据库不能恢复 / an in-memory store cannot be restored into")
        if not overwrite and sqlite.has_tables(store):
            raise _not_empty(str(store))
        sqlite.restore(file, store)
    else:
        if not overwrite and postgres.has_tables(settings.database_url):
            raise _not_empty(postgres.describe(settings.database_url))
        postgres.restore(settings.database_url, file, clean=overwrite)


def _not_empty(where: str) -> BackupError:
    return BackupError(
        f"数据库不是空的（{where}），为了不覆盖现有数据，没有恢复。请恢复到一个新的数据库"
        "（新的 DATA_DIR，或用 createdb 新建的 PostgreSQL 数据库）；确定要覆盖，请加 --force。"
        f" / the store is not empty ({where}); nothing was changed. Restore into a fresh store,"
        " or add --force to overwrite it."
    )


def _sqlite_store(settings: Settings) -> Path:
    store = sqlite_file(settings)
    if store is None or not store.exists():
        raise BackupError(f"没有数据库文件，无可备份 / no database file to back up: {store or ':memory:'}")
    return store


def _free_name(directory: Path, stamp: str, suffix: str) -> Path:
    target, n = directory / f"{PREFIX}{stamp}{suffix}", 1
    while target.exists():  # two backups within one second
        n += 1
        target = directory / f"{PREFIX}{stamp}-{n}{suffix}"
    return target


def _made_order(path: Path) -> tuple[str, int]:
    stem = path.name[len(PREFIX):].split(".", 1)[0]  # 20261130-221500Z or 20261130-221500Z-2
    stamp, _, n = stem.partition("Z-")
    return (stamp.rstrip("Z"), int(n) if n.isdecimal() else 1)


def _prune(directory: Path, keep: int) -> list[Path]:
    # Oldest first: by the UTC stamp, then the number _free_name gave a second backup within the
    # same second (by name alone "…Z-2.sqlite3" sorts before "…Z.sqlite3": '-' < '.').
    ours = sorted((p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIXES)),
                  key=_made_order)
    removed = ours[:-keep]
    for path in removed:
        path.unlink()
    return removed
