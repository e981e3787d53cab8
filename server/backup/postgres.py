"""A PostgreSQL store as one pg_dump custom-format file, restored by pg_restore.

The libpq tools get the connection through PG* environment variables, so the password never
appears on a command line (visible to every user in `ps`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tortoise.backends.base.config_generator import expand_db_url

from server.backup.errors import BackupError
from server.settings import child_process_environment

SUFFIX = ".pgdump"
MAGIC = b"PGDMP"
PACKAGE = "postgresql-client"  # Debian's package with pg_dump, pg_restore and psql


def _environment(database_url: str) -> dict[str, str]:
    credentials = expand_db_url(database_url)["credentials"]
    return child_process_environment(**{
        name: str(credentials[key])
        for name, key in (("PGHOST", "host"), ("PGPORT", "port"), ("PGUSER", "user"),
                          ("PGPASSWORD", "password"), ("PGDATABASE", "database"))
        if credentials.get(key) not in (None, "")
    })


def describe(database_url: str) -> str:
    credentials = expand_db_url(database_url)["credentials"]
    return f"PostgreSQL {credentials.get('host')}:{credentials.get('port')}/{credentials.get('database')}"


def _run(tool: str, *args: str, database_url: str | None = None) -> str:
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}，请安装 {PACKAGE} / {tool} not found: install Debian's {PACKAGE}")
    env = _environment(database_url) if database_url else None
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} 出错，未完成 / {tool} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def backup(database_url: str, target: Path) -> None:
    _run("pg_dump", "--format=custom", f"--file={target}", database_url=database_url)
    _run("pg_restore", "--list", str(target))  # the file reads back: a whole dump


def is_backup(file: Path) -> bool:
    with open(file, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def migrations(file: Path) -> set[str]:
    # The table's rows as pg_restore would load them: COPY ... FROM stdin; then tab-separated
    # id, app, name, applied_at lines up to "\.".
    script = _run("pg_restore", "--data-only", "--table=tortoise_migrations", "--file=-", str(file))
    names, inside = set(), False
    for line in script.splitlines():
        if line.startswith("COPY ") and "tortoise_migrations" in line:
            inside = True
        elif inside and line == "\\.":
            break
        elif inside:
            _, app, name, *_ = line.split("\t")
            if app == "models":
                names.add(name)
    return names


def has_tables(database_url: str) -> bool:
    count = _run("psql", "--no-psqlrc", "--quiet", "--tuples-only", "--no-align", "--set=ON_ERROR_STOP=1",
                 "--command", "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
                 database_url=database_url)
    return int(count.strip() or 0) > 0


def restore(database_url: str, file: Path, clean: bool) -> None:
    database = expand_db_url(database_url)["credentials"]["database"]
    # One transaction: a restore that fails part-way leaves the store as it was.
    args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", f"--dbname={database}"]
    if clean:
        args += ["--clean", "--if-exists"]
    _run("pg_restore", *args, str(file), database_url=database_url)
