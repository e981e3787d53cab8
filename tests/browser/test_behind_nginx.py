"""A leader's phone through the deployment: Debian's nginx with deploy/nginx/louzu.conf (HTTPS,
a throwaway self-signed certificate the browser is told to accept) in front of two app
processes on the tests' store. The phone logs in, goes offline in a stairwell, saves visits;
one app process is killed (kill -9) meanwhile; when the signal returns the visits go through
nginx to the other process, each stored once."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from server.models import AuditEvent, Visit
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.browser.offline_helpers import expect_pending, log_in_ready, outbox_emptied, save_visit
from tests.cli_process import free_port
from tests.deploy_stack import Stack, nginx_binary, nginx_conf, render_site, self_signed_certificate


@pytest.fixture
async def https_browser() -> AsyncIterator[Browser]:
    # A service worker is refused on a certificate error; the throwaway certificate is one.
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"])
        yield browser
        await browser.close()


@pytest.fixture
def deployed(database, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    stack = Stack(run)
    app_ports, http_port, https_port = [free_port(), free_port()], free_port(), free_port()
    env = {**os.environ, "LOUZU_TRUSTED_PROXIES": "127.0.0.1", "LOUZU_HTTPS": "1"}
    cert, key = self_signed_certificate(run)
    conf = nginx_conf(run, render_site(run, http_port, https_port, app_ports, cert, key))
    try:
        for number, port in enumerate(app_ports):
            stack.start(f"app{number}", [sys.executable, "-m", "tests.browser.offline_server", "--port", str(port)], env)
        for number, port in enumerate(app_ports):
            stack.wait_until_up(f"app{number}", f"http://127.0.0.1:{port}/healthz")
        stack.start("nginx", [nginx_binary(), "-p", str(run), "-c", str(conf), "-g", "daemon off;"])
        stack.wait_until_up("nginx", f"http://127.0.0.1:{http_port}/")
        yield stack, f"https://127.0.0.1:{https_port}"
    finally:
        stack.stop()


async def test_offline_visits_sync_through_nginx_after_a_process_dies(https_browser, deployed, world):
    stack, url = deployed
    phone = await https_browser.new_context(base_url=url, ignore_https_errors=True, **PHONE)
    try:
        page = await phone.new_page()
        leader = world.users["leader01"]
        await log_in_ready(page, "leader01", leader.id)
        assert page.url.startswith("https://")
        household = world.households[0]
        await page.goto(f"/households/{household.id}")

        await phone.set_offline(True)
        await save_visit(page, notes="楼道里没有信号")
        await save_visit(page, status="需要关注", notes="楼道灯坏了")
        await expect_pending(page, 2)
        stack.kill(stack.processes["app0"].pid)  # one process dies while the phone is away

        await phone.set_offline(False)
        await outbox_emptied(page)
        await expect_pending(page, 0)
        assert sorted(v.notes for v in await Visit.filter(household_id=household.id)) == ["楼道灯坏了", "楼道里没有信号"]
        # Behind the trusted proxy the app sees the browser's own address, and the scheme is https.
        login = await AuditEvent.filter(action="login", actor_id=leader.id).first()
        assert login.ip == "127.0.0.1"
    finally:
        await phone.close()
