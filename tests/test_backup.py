"""`louzu backup` and `louzu restore` as an operator runs them: a backup of the tests' store
restored into a fresh store of its own shows the office the same visits. Run on both stores."""

from __future__ import annotations

import asyncio
import os
import stat

import httpx

from tests import conftest
from tests.cli_process import free_port, louzu, own_store, start_serve, stop, store_sql, wait_until_up
from tests.factories import PASSWORD, api_login
from tests.office_factories import make_visit


def fixtures_store() -> dict[str, str]:
    return dict(os.environ)  # conftest's DATABASE_URL: the store the fixtures wrote


def backup(env: dict[str, str], directory, *args: str) -> str:
    made = louzu(env, "backup", str(directory), *args)
    assert made.returncode == 0, made.stderr
    return made.stdout.split("backup written: ", 1)[1].split(" (", 1)[0]


async def test_a_backup_restored_into_a_fresh_store_shows_the_office_the_same_visits(world, client, tmp_path):
    for n in range(12):
        await make_visit(world, household_index=n % 6, notes=f"第{n}次走访，一切正常",
                         status=("ok", "concern", "urgent")[n % 3])
    await api_login(client, "office")
    before = await client.get("/office/visits.csv")
    assert before.status_code == 200 and before.text.count("一切正常") == 12

    file = backup(fixtures_store(), tmp_path / "backups")
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600  # personal data: the owner's only

    # In a thread: the own store's set-up runs its own event loop.
    after = await asyncio.to_thread(restore_and_read_as_office, file, tmp_path / "fresh")
    assert after == before.content


def restore_and_read_as_office(file: str, data_dir) -> bytes:
    """Restore into a fresh store, serve it, and read the office's CSV; then the refusals."""
    with own_store(data_dir, "restore") as env:
        restored = louzu(env, "restore", file)
        assert restored.returncode == 0, restored.stderr
        port = free_port()
        server = start_serve(env, port)
        try:
            wait_until_up(server, port)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as office:
                assert office.get("/readyz").status_code == 200
                login = office.post("/api/auth/login", json={"username": "office", "password": PASSWORD})
                assert login.status_code == 200, login.text
                after = office.get("/office/visits.csv")
        finally:
            stop(server)
        assert after.status_code == 200

        again = louzu(env, "restore", file)  # the store now holds a committee
        assert again.returncode == 2 and "数据库不是空的" in again.stderr and "--force" in again.stderr
        forced = louzu(env, "restore", file, "--force")
        assert forced.returncode == 0, forced.stderr
    return after.content


def test_backup_keeps_the_newest_and_refuses_what_is_not_a_backup(tmp_path):
    directory = tmp_path / "backups"
    made = [backup(fixtures_store(), directory, "--keep", "2") for _ in range(3)]
    assert sorted(str(p) for p in directory.iterdir()) == sorted(made[1:])

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    other_kind = tmp_path / "other-kind"
    if conftest.TEST_DB == "postgres":
        import sqlite3

        sqlite3.connect(other_kind).execute("CREATE TABLE t (x)").connection.commit()
    else:
        other_kind.write_bytes(b"PGDMP" + bytes(100))
    with own_store(tmp_path / "fresh", "refuse") as env:
        for file, words in ((tmp_path / "missing.sqlite3", "找不到备份文件"), (not_a_backup, "不是楼组通的备份"),
                            (other_kind, "备份和数据库类型不同")):
            result = louzu(env, "restore", str(file))
            assert result.returncode == 2 and words in result.stderr, (file, result.stderr)
            assert "Traceback" not in result.stderr


def test_a_backup_from_a_newer_release_is_not_restored(tmp_path):
    with own_store(tmp_path / "newer", "newer") as newer:
        assert louzu(newer, "migrate").returncode == 0
        store_sql(newer, "INSERT INTO tortoise_migrations (app, name, applied_at) "
                         "VALUES ('models', '0999_from_a_newer_release', CURRENT_TIMESTAMP)")
        file = backup(newer, tmp_path / "backups")
    with own_store(tmp_path / "fresh", "fresh") as env:
        result = louzu(env, "restore", file)
    assert result.returncode == 2, result.stdout
    assert "更新版本" in result.stderr and "0999_from_a_newer_release" in result.stderr
