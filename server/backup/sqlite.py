"""A SQLite store as one self-contained file, by SQLite's online backup API."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from server.backup.errors import BackupError

SUFFIX = ".sqlite3"
MAGIC = b"SQLite format 3\x00"


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def backup(store: Path, target: Path) -> None:
    with closing(_read_only(store)) as source, closing(sqlite3.connect(target)) as copy:
        # One step: a single read transaction, so the copy is one consistent moment of the store
        # while the server goes on writing to its WAL.
        source.backup(copy)
        # The copy would say WAL like the store; one file with no -wal/-shm beside it is a backup.
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = copy.execute("PRAGMA quick_check").fetchall()
    if problems != [("ok",)]:
        raise BackupError(f"备份文件检查未通过 / the copy failed its check: {problems[:5]}")


def is_backup(file: Path) -> bool:
    with open(file, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def migrations(file: Path) -> set[str]:
    try:
        with closing(_read_only(file)) as conn:
            return {name for (name,) in conn.execute("SELECT name FROM tortoise_migrations WHERE app = 'models'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"这不是楼组通的备份文件 / not a Louzu backup ({exc}): {file}") from exc


def has_tables(store: Path) -> bool:
    if not store.exists():
        return False
    with closing(_read_only(store)) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0


def restore(file: Path, store: Path) -> None:
    store.parent.mkdir(parents=True, exist_ok=True)
    with closing(_read_only(file)) as source, closing(sqlite3.connect(store)) as target:
        # Page by page into the store's own file (its WAL included), never a file copy under a
        # connection that might still be open; the server sets WAL again when it connects.
        source.backup(target)
