"""A fake chat group robot (企业微信/DingTalk shape) on a free local port, for the alert tests."""

from __future__ import annotations

import asyncio
import json
import socket

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeRobot:
    """Answers the first `fail_first` posts with HTTP 500 (a chat outage), then errcode 0."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False) -> None:
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.posts: list[dict] = []  # every post that reached it, failed or not
        self.accepted: list[dict] = []  # the posts it answered OK: what the chat group shows
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=test-robot-key-0123456789abcdef"

    async def __call__(self, scope, receive, send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = json.loads(body)
        self.posts.append(payload)
        failing = self.always_fail or len(self.posts) <= self.fail_first
        if not failing:
            self.accepted.append(payload)
        answer = {"errcode": -1, "errmsg": "system busy"} if failing else {"errcode": 0, "errmsg": "ok"}
        await send({"type": "http.response.start", "status": 500 if failing else 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    async def __aenter__(self) -> "FakeRobot":
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server and self._task
        self._server.should_exit = True
        await self._task
