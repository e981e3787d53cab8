"""The phone's budgets, measured in Chromium against the demo committee; prints figures, asserts nothing.

  first HTML (a leader's home page) ≤ 14 KB compressed
  whole first load ≤ 60 KB compressed, of which JS ≤ 30 KB
  offline repeat load: 0 network requests
  saving one entry to the outbox: p95 ≤ 50 ms (50 saves)
  50 waiting entries synced in ≤ 3 round trips

Run: .venv/bin/python bench/offline_budgets.py   (loads the demo into a temporary SQLite file first)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stores import ROOT, bench_port, wait_up  # noqa: E402

LEADER, PASSWORD = "leader01", "louzu-demo"
SAVES = 50
CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
}
KB = 1024


def serve(port: int) -> None:
    """The app wrapped to count what reaches it (the same wrapper the offline tests use)."""
    import uvicorn

    from server.app import create_app
    from server.settings import get_settings
    from tests.browser.offline_server import CountingApp

    uvicorn.run(CountingApp(create_app(get_settings())), host="127.0.0.1", port=port, log_level="warning")


async def _when_up(url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=url) as probe:
        await wait_up(probe)
    await measure(url)


class Server:
    def __init__(self, url: str) -> None:
        self.url = url

    async def counter(self) -> dict:
        import httpx

        async with httpx.AsyncClient() as client:
            return (await client.get(self.url + "/__test__/requests")).json()


async def first_load(browser, server: Server) -> dict:
    """A cold phone (no cache, no worker) opening a logged-in leader's home page."""
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as client:
        login = await client.post("/api/auth/login", json={"username": LEADER, "password": PASSWORD})
        cookie = login.cookies.get("louzu_session")
        async with client.stream("GET", "/", headers={"Accept-Encoding": "gzip"}) as home:
            html_body = 0
            async for chunk in home.aiter_raw():
                html_body += len(chunk)  # compressed, as sent
    context = await browser.new_context(base_url=server.url, service_workers="block", **PHONE)
    await context.add_cookies([{"name": "louzu_session", "value": cookie, "url": server.url}])
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    types, wire, body = {}, {}, {}
    cdp.on("Network.responseReceived", lambda e: types.__setitem__(e["requestId"], (e["type"], e["response"]["url"])))
    # dataReceived counts the (compressed) body only; loadingFinished adds the headers.
    cdp.on("Network.dataReceived", lambda e: body.__setitem__(e["requestId"], body.get(e["requestId"], 0) + e["encodedDataLength"]))
    cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]))
    await page.goto("/", wait_until="networkidle")
    await context.close()
    rows = [(types[r][0], types[r][1], body.get(r) or (html_body if types[r][0] == "Document" else 0), wire[r])
            for r in wire if r in types]

    def total(kind: str | None, column: int) -> int:
        return sum(row[column] for row in rows if kind is None or row[0] == kind)

    return {
        "html": total("Document", 2), "js": total("Script", 2), "total": total(None, 2),
        "html_wire": total("Document", 3), "js_wire": total("Script", 3), "total_wire": total(None, 3),
        "rows": rows,
    }


async def offline_phone(browser, server: Server) -> dict:
    """A phone that opened the app once: offline repeat load, outbox saves, then the sync."""
    context = await browser.new_context(base_url=server.url, **PHONE)
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("用户名").fill(LEADER)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: "/login" not in url)
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", polling=50)
    while not await page.evaluate("LouzuOutbox.getMeta('pages').then(p => !!p)"):
        await asyncio.sleep(0.1)
    household = await page.evaluate(
        "() => document.querySelector('.households a.household-link').getAttribute('href')"
    )
    await page.goto(household)

    await context.set_offline(True)
    await asyncio.sleep(1.5)  # let the browser's own worker update check land before counting
    before = (await server.counter())["count"]
    await page.goto("/")
    await page.goto(household)
    await page.reload()
    offline_requests = (await server.counter())["count"] - before

    for n in range(SAVES):
        await page.evaluate(
            """notes => { const form = document.querySelector('form[data-outbox-form="visit"]');
            form.querySelector('input[name=kind][value=routine]').checked = true;
            form.querySelector('input[name=status][value=ok]').checked = true;
            form.querySelector('textarea[name=notes]').value = notes;
            form.requestSubmit(); }""",
            f"测速 {n}",
        )
        await page.wait_for_function(
            "n => performance.getEntriesByName('louzu-outbox-save').length > n", arg=n, polling=10
        )
    durations = await page.evaluate("performance.getEntriesByName('louzu-outbox-save').map(e => e.duration)")

    pushes_before = sum(1 for p in (await server.counter())["paths"] if p.startswith("POST /api/sync/push"))
    started = time.perf_counter()
    await context.set_offline(False)
    while await page.evaluate(
        "LouzuOutbox.open().then(db => new Promise(ok => { const r = db.transaction('outbox')"
        ".objectStore('outbox').count(); r.onsuccess = () => ok(r.result); }))"
    ):
        await asyncio.sleep(0.05)
    synced_in = time.perf_counter() - started
    pushes = sum(1 for p in (await server.counter())["paths"] if p.startswith("POST /api/sync/push")) - pushes_before
    await context.close()
    return {
        "offline_requests": offline_requests,
        "save_p50": statistics.median(durations),
        "save_p95": sorted(durations)[int(len(durations) * 0.95) - 1],
        "pushes": pushes,
        "synced_in": synced_in,
    }


def line(name: str, value: float, budget: float, unit: str, fmt: str = "{:.1f}") -> str:
    verdict = "ok" if value <= budget else "OVER"
    return f"  {name:<42} {fmt.format(value):>8} {unit:<3} budget ≤ {fmt.format(budget)} {unit:<3} {verdict}"


async def measure(url: str) -> None:
    from playwright.async_api import async_playwright

    server = Server(url)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        load = await first_load(browser, server)
        phone = await offline_phone(browser, server)
        await browser.close()
    print(f"\n楼组通 offline budgets ({LEADER} of the demo committee, Chromium; gzip bodies as sent,"
          " in brackets with their headers):")
    for name, key, budget in (("first HTML (home page) compressed", "html", 14),
                              ("whole first load compressed", "total", 60), ("  of which JavaScript", "js", 30)):
        print(line(name, load[key] / KB, budget, "KB") + f"   (with headers: {load[key + '_wire'] / KB:.1f})")
    print(line("offline repeat load: network requests", phone["offline_requests"], 0, "", "{:.0f}"))
    print(line(f"outbox save p95 ({SAVES} saves; p50 {phone['save_p50']:.1f} ms)", phone["save_p95"], 50, "ms"))
    print(line(f"round trips to sync {SAVES} waiting ({phone['synced_in']:.1f} s)", phone["pushes"], 3, "", "{:.0f}"))
    print("\n  first load, request by request (compressed body / on the wire, bytes):")
    for kind, address, size, on_wire in sorted(load["rows"], key=lambda r: -r[3]):
        print(f"    {size:>7} / {on_wire:>6}  {kind:<10} {address.replace(url, '')}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("serve")
    run.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port)
        return

    data_dir = Path(tempfile.mkdtemp(prefix="louzu-bench-"))
    env = {**os.environ, "DATA_DIR": str(data_dir), "SECRET_KEY": secrets.token_urlsafe(48),
           "DATABASE_URL": f"sqlite://{data_dir / 'bench.sqlite3'}", "LOUZU_TEST_HOOKS": "1"}
    print("loading the demo committee …", flush=True)
    subprocess.run([sys.executable, "-m", "server.cli", "demo"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    port = bench_port()
    process = subprocess.Popen([sys.executable, __file__, "serve", "--port", str(port)], env=env, cwd=ROOT)
    try:
        asyncio.run(_when_up(f"http://127.0.0.1:{port}"))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
