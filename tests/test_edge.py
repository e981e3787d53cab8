"""The edge of every request: the real client behind a trusted proxy (and only a trusted one),
the refusal of plain HTTP, and one JSON log line per request."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager

import httpx
import pytest

from server.edge.forwarded import real_client, real_scheme
from server.edge.request_log import JsonLines
from server.auth.throttle import account_key
from server.models import AuditEvent, LoginThrottle
from server.settings import SettingsError, parse_trusted_proxies
from tests.factories import api_login

PROXY = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def text(self) -> str:
        return "\n".join(JsonLines().format(record) for record in self.records)


@pytest.fixture
def louzu_log():
    """What the `louzu.*` loggers write (pytest's caplog sits on the root logger, which
    Litestar's own logging set-up replaces when an app is built)."""
    logger, lines = logging.getLogger("louzu"), Lines()
    old_level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(lines)
    logger.setLevel(old_level)


def test_a_trusted_proxy_names_the_client_and_a_client_cannot_choose_its_own():
    # nginx appends the address it saw: whatever the client wrote is left of it.
    assert real_client("127.0.0.1", "198.51.100.7", PROXY) == "198.51.100.7"
    assert real_client("127.0.0.1", "203.0.113.9, 198.51.100.7", PROXY) == "198.51.100.7"
    # Two proxies of ours in a row (a load balancer, then nginx): skipped from the right.
    assert real_client("127.0.0.1", "198.51.100.7, 10.1.2.3", PROXY) == "198.51.100.7"
    # From anyone else the header is ignored.
    assert real_client("198.51.100.7", "127.0.0.1", PROXY) == "198.51.100.7"
    assert real_client("198.51.100.7", "203.0.113.9", ()) == "198.51.100.7"
    # Garbage stops the walk at the last address a proxy vouched for.
    assert real_client("127.0.0.1", "nonsense, 10.1.2.3", PROXY) == "10.1.2.3"
    assert real_client("127.0.0.1", "", PROXY) == "127.0.0.1"
    assert real_client("::ffff:127.0.0.1", "198.51.100.7", PROXY) == "198.51.100.7"


def test_the_scheme_is_the_proxys_word_only_from_a_trusted_proxy():
    assert real_scheme("127.0.0.1", "http", "https", PROXY) == "https"
    assert real_scheme("198.51.100.7", "http", "https", PROXY) == "http"
    assert real_scheme("127.0.0.1", "http", "gopher", PROXY) == "http"


def test_a_trusted_proxy_setting_that_is_no_address_stops_the_start():
    with pytest.raises(SettingsError, match="LOUZU_TRUSTED_PROXIES"):
        parse_trusted_proxies("127.0.0.1, nginx.local")


@asynccontextmanager
async def client_from(settings, peer: str, base_url: str = "http://louzu.example"):
    from server.app import create_app

    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


async def test_behind_the_proxy_the_throttle_and_audit_log_see_the_client(world, settings):
    trusted = settings.with_(trusted_proxies=PROXY)
    async with client_from(trusted, "127.0.0.1") as via_proxy:
        headers = {**BEHIND_PROXY, "X-Forwarded-For": "203.0.113.9, 198.51.100.7"}  # first part spoofed
        response = await via_proxy.post("/api/auth/login", json={"username": "leader01", "password": "wrong"},
                                        headers=headers)
    assert response.status_code == 401
    failure = await AuditEvent.get(action="login_failed")
    assert failure.ip == "198.51.100.7"
    # The throttle's run is keyed by account and the client's address (a digest: no address stored).
    assert [row.key for row in await LoginThrottle.filter(failures__gt=0)] == [account_key("leader01", "198.51.100.7")]


async def test_forwarded_headers_from_anyone_else_are_ignored(world, settings, louzu_log):
    trusted = settings.with_(trusted_proxies=PROXY)
    async with client_from(trusted, "127.0.0.5") as direct:  # loopback, but not the proxy
        await direct.post("/api/auth/login", json={"username": "leader01", "password": "wrong"},
                          headers={"X-Forwarded-For": "198.51.100.7"})
    assert (await AuditEvent.get(action="login_failed")).ip == "127.0.0.5"
    assert "LOUZU_TRUSTED_PROXIES" in louzu_log.text  # the operator is told how to fix it


async def test_plain_http_from_another_machine_gets_the_https_page_and_a_warning(world, settings, louzu_log):
    async with client_from(settings, "192.168.1.20") as lan:
        page = await lan.get("/login")
        api = await lan.post("/api/auth/login", json={"username": "leader01", "password": "x"})
        css = await lan.get("/static/css/louzu.css")
        health = await lan.get("/healthz")
    assert page.status_code == 403
    assert "请用 HTTPS 打开楼组通" in page.text and "password" not in page.text.lower().split("<main")[0]
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.status_code == 403 and api.json()["error"] == "https_required"
    assert css.status_code == 200  # the page's own stylesheet
    assert health.status_code != 403  # probes may come over plain HTTP
    assert await AuditEvent.filter(action="login_failed").count() == 0  # refused before the app
    assert "Plain HTTP request from 192.168.1.20 refused" in louzu_log.text


async def test_https_through_the_proxy_the_demo_and_loopback_are_served(world, settings):
    trusted = settings.with_(trusted_proxies=PROXY)
    async with client_from(trusted, "127.0.0.1") as via_proxy:
        served = await via_proxy.get("/login", headers={**BEHIND_PROXY, "X-Forwarded-For": "192.168.1.20"})
    async with client_from(trusted, "127.0.0.1") as proxy_saying_http:
        refused = await proxy_saying_http.get("/login", headers={"X-Forwarded-Proto": "http",
                                                                 "X-Forwarded-For": "192.168.1.20"})
    async with client_from(settings.with_(demo=True), "192.168.1.20") as demo:
        demo_page = await demo.get("/login")
    async with client_from(settings, "127.0.0.1") as on_the_machine:
        local = await on_the_machine.get("/login")
    assert (served.status_code, refused.status_code, demo_page.status_code, local.status_code) == (200, 403, 200, 200)


async def test_one_json_line_per_request_without_personal_data(world, settings, louzu_log):
    async with client_from(settings, "127.0.0.1") as client:
        await api_login(client, "leader01")
        household = world.households[0]
        response = await client.get(f"/households/{household.id}?q=张桂英")
        missing = await client.get("/no-such-page")
    records = [r for r in louzu_log.records if r.name == "louzu.request"]
    lines = [json.loads(JsonLines().format(r)) for r in records]
    page = lines[-2]
    assert page["route"] == "/households/{household_id}"
    assert page["method"] == "GET" and page["status"] == response.status_code
    assert page["user_id"] == world.users["leader01"].id
    assert page["request_id"] == response.headers["x-request-id"]
    assert isinstance(page["duration_ms"], float)
    assert lines[-1]["status"] == 404 and lines[-1]["route"] is None
    assert missing.headers["x-request-id"] != response.headers["x-request-id"]
    text = "\n".join(JsonLines().format(r) for r in records)
    assert "张桂英" not in text and str(household.id) not in text.replace(str(world.users["leader01"].id), "")
    assert "127.0.0.1" not in text  # no client address either
