"""The `louzu` command run as a real process: migrate, demo, createcommunity, createuser, serve.

Under LOUZU_TEST_DB=postgres the commands run against a fresh PostgreSQL database of their own
(DATABASE_URL); otherwise against a temporary DATA_DIR with its SQLite file.
"""

from __future__ import annotations


import httpx
import pytest

from tests.cli_process import (
    DEMO_NAME, GOOD_PASSWORD, base_env, free_port, louzu, own_store, start_serve, stop, wait_until_up,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The command's environment: its own empty store, never the one the other tests use."""
    with own_store(tmp_path_factory.mktemp("cli"), "cli") as env:
        yield env


@pytest.fixture(scope="module")
def demo_store(store):
    """What an operator types on a new demo server; each test checks what one command did."""
    create = ("createuser", "leader61", "--role", "leader", "--community", DEMO_NAME, "--group", "3")
    runs = {
        "migrate": louzu(store, "migrate"),
        "demo": louzu(store, "demo"),
        "weak": louzu(store, *create, "--password", "short"),
        # The password from the prompt (stdin here), as an admin would type it.
        "created": louzu(store, *create, "--display-name", "钱桂芳", stdin=GOOD_PASSWORD + "\n"),
    }
    return store, runs


def test_migrate_and_demo(demo_store):
    _, runs = demo_store
    migrate, demo = runs["migrate"], runs["demo"]
    assert migrate.returncode == 0, migrate.stderr
    assert "已应用迁移 / applied migration models.0001_initial" in migrate.stdout
    assert demo.returncode == 0, demo.stderr
    assert "60 楼组 groups, 2076 户 households, 6248 居民 residents" in demo.stdout
    assert "62 账号 accounts" in demo.stdout
    print(demo.stdout)  # the load time, for whoever reads the log


def test_createuser_refuses_a_weak_password_then_creates(demo_store):
    _, runs = demo_store
    weak, made = runs["weak"], runs["created"]
    assert weak.returncode == 2
    assert "无法创建账号" in weak.stderr and "至少需要 10 个字符" in weak.stderr
    assert made.returncode == 0, made.stderr
    assert "已创建 / created leader61 (leader)" in made.stdout


def test_createcommunity_starts_a_new_server(demo_store):
    env, _ = demo_store
    made = louzu(env, "createcommunity", "江苏路第二居民区", "--subdistrict", "江苏路街道")
    assert made.returncode == 0, made.stderr
    assert "江苏路第二居民区" in made.stdout


def test_createuser_on_an_unmigrated_store_says_what_to_do(tmp_path):
    result = louzu(base_env(tmp_path), "createuser", "someone", "--role", "office", "--community", "x",
                   "--password", GOOD_PASSWORD)
    assert result.returncode == 2
    assert "尚未迁移" in result.stderr and "louzu migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_with_the_default_secret(store):
    env = {k: v for k, v in store.items() if k != "SECRET_KEY"}
    result = louzu(env, "serve", "--port", "9")
    assert result.returncode == 2
    assert "SECRET_KEY 未设置或太弱" in result.stderr
    assert "serving" not in result.stdout


def test_serve_without_demo_refuses_a_store_holding_the_demo(demo_store):
    env, _ = demo_store  # a real SECRET_KEY: only the demo data stands in the way
    result = louzu(env, "serve", "--port", "9")
    assert result.returncode == 2
    assert "数据库里有演示居委会" in result.stderr
    assert "--demo" not in result.stderr  # never suggested for a store that may hold real data
    assert "serving" not in result.stdout


def test_serve_demo_starts_without_a_secret_and_lets_people_in(demo_store):
    env, _ = demo_store
    env = {k: v for k, v in env.items() if k != "SECRET_KEY"}  # demo mode needs none
    port = free_port()
    server = start_serve(env, port, "--demo")
    try:
        wait_until_up(server, port, 30)
        url = f"http://127.0.0.1:{port}"
        for username, password in (("leader01", "louzu-demo"), ("admin", "louzu-demo"), ("leader61", GOOD_PASSWORD)):
            response = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password})
            assert response.status_code == 200, (username, response.text)
    finally:
        output = stop(server)
    assert "演示居委已存在，未做改动" in output  # the demo was there already: loaded once, not twice


def test_close_months_closes_last_month_once(demo_store):
    store, _ = demo_store
    first = louzu(store, "close-months")
    assert first.returncode == 0, first.stderr
    assert "已封存 / closed" in first.stdout
    again = louzu(store, "close-months")
    assert again.returncode == 0 and "早已封存 / already closed" in again.stdout
