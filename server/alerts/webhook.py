"""The chat group robot: which webhook addresses are allowed, how one is shown, and one POST.

企业微信群机器人 and DingTalk custom robots both take `POST {"msgtype": ..., ...}` and answer
`{"errcode": 0, "errmsg": "ok"}`; only the markdown body's keys differ, so the host decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from sync.vocabulary import N_
from server.settings import Settings

DINGTALK_HOST = "oapi.dingtalk.com"
# Short: the worker sends one alert after another, and a robot that does not answer in a few
# seconds is down (the alert is tried again later, with backoff).
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
MAX_URL_LENGTH = 500


class WebhookRefused(ValueError):
    """The address cannot be used; the message (a Chinese msgid) says why."""


def check_webhook_url(text: str, settings: Settings) -> str:
    """The address as it will be stored, or WebhookRefused. Only the configured robot hosts:
    the server POSTs to this address, so it must not be able to reach anything else."""
    url = text.strip()
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused(N_("地址太长，请检查是否多贴了内容。"))
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if settings.enable_test_hooks else ("https",)
    if parts.scheme not in allowed_schemes or not parts.hostname or parts.username or parts.password:
        raise WebhookRefused(N_("请贴入群机器人的完整 Webhook 地址，以 https:// 开头。"))
    if parts.hostname.lower() not in settings.alert_webhook_hosts:
        raise WebhookRefused(N_("只能填企业微信或钉钉群机器人的地址（qyapi.weixin.qq.com 或 oapi.dingtalk.com）。"))
    if not parts.query:
        raise WebhookRefused(N_("地址里缺少机器人的 key（access_token），请从群机器人设置里复制完整地址。"))
    return url


def masked(url: str) -> str:
    """The address without its key: enough to recognise which robot, useless to anyone else."""
    if not url:
        return ""
    parts = urlsplit(url)
    tail = parts.query[-4:] if len(parts.query) > 12 else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}?…{tail}"


@dataclass(frozen=True)
class Message:
    title: str  # one line: what happened
    lines: tuple[str, ...]  # "地址：…" and the like; never notes, never residents' names
    link: str

    def payload(self, url: str) -> dict:
        markdown = "\n".join([f"**{self.title}**", *[f"> {line}" for line in self.lines],
                              f"[打开这条记录]({self.link})"])
        if (urlsplit(url).hostname or "").lower() == DINGTALK_HOST:
            return {"msgtype": "markdown", "markdown": {"title": self.title, "text": markdown}}
        return {"msgtype": "markdown", "markdown": {"content": markdown}}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""  # short, never the address (it holds the key)


async def post(client: httpx.AsyncClient, url: str, payload: dict) -> Outcome:
    """OK only when the robot says so: HTTP 2xx and, when it answers JSON, errcode 0."""
    try:
        response = await client.post(url, json=payload, timeout=TIMEOUT)
    except httpx.TimeoutException:
        return Outcome(False, "timeout")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # refused, reset, DNS, a bad address ...
        return Outcome(False, f"no answer ({type(exc).__name__})")
    if not 200 <= response.status_code < 300:
        return Outcome(False, f"HTTP {response.status_code}")
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Outcome(True)
    errcode = body.get("errcode", 0) if isinstance(body, dict) else 0
    if errcode not in (0, "0", None):
        # e.g. 45009 (too many messages this minute) or 93000 (robot removed): tried again later.
        return Outcome(False, f"errcode {str(errcode)[:20]}")
    return Outcome(True)
