"""The JSON API is described exactly: schemathesis (every check) fuzzes it as a logged-in leader
against the real server, in bounded time, and finds no server error and no schema mismatch.
HTML pages are not in the schema (their controllers say include_in_schema = False).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx

from server.app import create_app
from server.auth.sessions import COOKIE_NAME
from tests.factories import PASSWORD

# The push answers a record that breaks its schema with 200 and that record `rejected` (one bad
# record must not refuse the batch: sync-protocol.md), so "schema-violating data is refused" is
# checked there record by record (tests/test_ingest.py), not by the HTTP status.
SCHEMATHESIS_CONFIG = """
[[operations]]
include-path = "/api/sync/push"
checks.negative_data_rejection.enabled = false
"""
TIME_BUDGET = 25  # seconds, for the whole run (enough for 30 examples of each operation here)
# Every check runs (schemathesis's default; --checks on the command line would override the
# operation's exception above).


def test_only_the_json_api_is_in_the_schema():
    app = create_app(manage_db=False)
    paths = set(app.openapi_schema.to_schema()["paths"])
    api = {route.path.rstrip("/") or "/" for route in app.routes
           if route.path.startswith("/api/") and not route.path.startswith("/api/schema")}
    probes = {"/healthz", "/readyz"}  # JSON for a load balancer or monitor, documented with their 503
    assert paths == api | probes


def test_the_login_body_and_every_answer_of_the_api_are_declared():
    schema = create_app(manage_db=False).openapi_schema.to_schema()
    login = schema["paths"]["/api/auth/login"]["post"]
    body = login["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["username", "password"]
    assert {"200", "400", "401", "403", "429"} <= set(login["responses"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "201" not in operation["responses"], (method, path)
            for status, answer in operation["responses"].items():
                assert list(answer.get("content", {"application/json": 0})) == ["application/json"], (path, status)


async def test_schemathesis_finds_no_server_error_and_no_mismatch(live_server, world, tmp_path):
    async with httpx.AsyncClient(base_url=live_server) as client:
        login = await client.post("/api/auth/login", json={"username": "leader01", "password": PASSWORD})
        assert login.status_code == 200
        token, cookie = login.json()["csrf_token"], login.cookies[COOKIE_NAME]
    (tmp_path / "schemathesis.toml").write_text(SCHEMATHESIS_CONFIG)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"), "run",
         f"{live_server}/api/schema/openapi.json", "--max-examples", "30", "--seed", "20261130",
         "--max-time", str(TIME_BUDGET), "--workers", "1", "--request-timeout", "10",
         # Logging out would end the session the rest of the run uses; it is tested in test_auth.
         "--exclude-path", "/api/auth/logout",
         "-H", f"Cookie: {COOKIE_NAME}={cookie}", "-H", f"X-CSRFToken: {token}", "--output-sanitize", "false"],
        capture_output=True, text=True, timeout=TIME_BUDGET + 60, cwd=tmp_path,
    )
    assert time.monotonic() - started < TIME_BUDGET + 60
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"\b[1-9]\d+ generated, \d+ passed", run.stdout), run.stdout[-2000:]

    # Last, logging out: the first call ends the session, the others are answered 401.
    logout = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{live_server}/api/schema/openapi.json",
         "--include-path", "/api/auth/logout", "--max-examples", "5", "--seed", "20261130", "--max-time", "20",
         "-H", f"Cookie: {COOKIE_NAME}={cookie}", "-H", f"X-CSRFToken: {token}"],
        capture_output=True, text=True, timeout=80, cwd=tmp_path,
    )
    assert logout.returncode == 0, logout.stdout[-4000:]
