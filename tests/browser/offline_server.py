"""The app under uvicorn for the offline tests, wrapped to count every request it receives.

A phone that is really offline sends nothing: the tests read this counter (from outside the
browser) instead of trusting navigator.onLine. Run as `python -m tests.browser.offline_server`.

Not counted: the browser fetching the service worker's own code (the script, with the header
`Service-Worker: script`, and the scripts it imports, asked for by /sw.js as scripts). Chromium
runs these update checks outside the page and the worker, where Playwright's offline emulation
does not reach, so they get through a context "offline" in a test; on a phone without signal
they fail like any other request.
"""

from __future__ import annotations

import argparse
import json

import uvicorn

from server.app import create_app
from server.settings import get_settings

COUNTER_PATH = "/__test__/requests"


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

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == COUNTER_PATH:
            body = json.dumps({"count": len(self.paths), "paths": self.paths[-200:], "pushed": self.pushed,
                               "worker_checks": self.worker_checks}).encode()
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
        await self.app(scope, receive, send)

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
