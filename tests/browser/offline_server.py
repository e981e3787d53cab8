"""The app under uvicorn for the offline tests, wrapped to count every request it receives.

A phone that is really offline sends nothing: the tests read this counter (from outside the
browser) instead of trusting navigator.onLine. Run as `python -m tests.browser.offline_server`.

Not counted: the browser fetching the service worker's own code (the script, with the header
`Service-Worker: script`, and the scripts it imports, asked for by /sw.js as scripts). Chromium
runs these update checks outside the page and the worker, where Playwright's offline emulation
does not reach, so they get through a context "offline" in a test; on a phone without signal
they fail like any other request.

HOLD_PATH switches on a server that takes requests but never answers them, as a connection that
dies silently mid-request does (tests/browser/test_sync_hang.py): `GET HOLD_PATH?path=/api/sync/push&on=1`
and every request to that path still reaches the app (a push IS applied) but its answer is held;
`on=0` lets the held answers go (to a phone that gave up waiting they go nowhere) and answers flow.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from urllib.parse import parse_qs

import uvicorn

from server.app import create_app
from server.settings import get_settings

COUNTER_PATH = "/__test__/requests"
HOLD_PATH = "/__test__/hold"


def _worker_code(headers: list[tuple[bytes, bytes]]) -> bool:
    named = dict(headers)
    return named.get(b"service-worker") == b"script" or (
        named.get(b"sec-fetch-dest") == b"script" and named.get(b"referer", b"").endswith(b"/sw.js")
    )


class CountingApp:
    """Counts the HTTP requests that reach the app, and notes the record ids of every push;
    GET COUNTER_PATH answers both."""

    def __init__(self, app) -> None:
        self.app = app
        self.paths: list[str] = []
        self.pushed: list[str] = []
        self.worker_checks: list[str] = []
        self.held: dict[str, asyncio.Event] = {}  # path -> set when its answers may go
        self.holding = 0  # requests whose answer is being held now

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == HOLD_PATH:
            await self._switch_hold(scope, send)
            return
        if scope["type"] == "http" and scope["path"] == COUNTER_PATH:
            body = json.dumps({"count": len(self.paths), "paths": self.paths[-200:], "pushed": self.pushed,
                               "worker_checks": self.worker_checks, "holding": self.holding}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and _worker_code(scope["headers"]):
            self.worker_checks.append(scope["path"])
        elif scope["type"] == "http":
            self.paths.append(f'{scope["method"]} {scope["path"]}')
            if scope["path"] == "/api/sync/push":
                receive = await self._note_push(receive)
            if scope["path"] in self.held:
                send = self._holding(self.held[scope["path"]], send)
        await self.app(scope, receive, send)

    async def _switch_hold(self, scope, send) -> None:
        query = parse_qs(scope["query_string"].decode())
        path, on = query["path"][0], query.get("on", ["1"])[0] == "1"
        if on:
            self.held.setdefault(path, asyncio.Event())
        elif path in self.held:
            self.held.pop(path).set()
        await send({"type": "http.response.start", "status": 204, "headers": [(b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": b""})

    def _holding(self, released: asyncio.Event, send):
        """The app answers as always; the answer waits until the hold is switched off."""

        async def held_send(message):
            if not released.is_set():  # the start of the answer; its body follows once released
                self.holding += 1
                try:
                    await released.wait()
                finally:
                    self.holding -= 1
            await send(message)

        return held_send

    async def _note_push(self, receive):
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            self.pushed.extend(str(r.get("id")) for r in json.loads(body).get("records", []))
        except (ValueError, AttributeError):
            pass
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = get_settings()
    uvicorn.run(CountingApp(create_app(settings)), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
