"""The real client behind a reverse proxy: X-Forwarded-For/-Proto are believed only from a
trusted proxy (settings.trusted_proxies), so nobody outside it can choose their own address.

`ForwardedHeaders` rewrites the ASGI scope's `client` and `scheme` once, before anything else
reads them, so `request.client.host` (server/audit/__init__.py client_ip: the throttle and the audit log)
and `request.url` are the client's own. uvicorn's `proxy_headers` stay off: one rule, here,
whatever server runs the app.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable

from litestar.types import ASGIApp, Receive, Scope, Send

from server.settings import Settings

log = logging.getLogger("louzu.edge")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A misconfigured proxy sends headers with every request: say so once in a while, not each time.
WARN_EVERY_SECONDS = 300.0


def parse_address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # "::ffff:127.0.0.1" is 127.0.0.1 (a dual-stack socket)
    return address


def is_trusted(address: Address | None, trusted: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def is_loopback(host: str) -> bool:
    address = parse_address(host)
    return address is not None and address.is_loopback


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str:
    # Several X-Forwarded-For lines count as one list, in order (RFC 9110 field combination).
    return ",".join(value.decode("latin-1") for key, value in headers if key == name)


def real_client(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The client's address: the peer itself unless it is a trusted proxy; then the nearest
    address in X-Forwarded-For that is not a trusted proxy. Walked from the right, because each
    proxy appends the address it saw: whatever a client wrote itself stays on the left."""
    if not is_trusted(parse_address(peer), trusted) or not forwarded_for.strip():
        return peer
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        address = parse_address(hop)
        if address is None:
            return client  # garbage (or "unknown"): stop at the last address a proxy vouched for
        client = str(address)
        if not is_trusted(address, trusted):
            return client
    return client  # every hop is a trusted proxy: the leftmost is as far as we can see


def real_scheme(peer: str, scheme: str, forwarded_proto: str, trusted: tuple[Network, ...]) -> str:
    if not is_trusted(parse_address(peer), trusted):
        return scheme
    # The nearest proxy's word counts (the last one); only the two schemes we know.
    proto = forwarded_proto.split(",")[-1].strip().lower()
    return proto if proto in ("http", "https") else scheme


class ForwardedHeaders:
    """ASGI middleware: the scope's client and scheme become the real ones (see module doc)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.trusted = settings.trusted_proxies
        self._warned_at: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client:
            peer = client[0]
            headers = scope.get("headers", [])
            forwarded_for = _header(headers, b"x-forwarded-for")
            if is_trusted(parse_address(peer), self.trusted):
                scope.setdefault("state", {})["proxy_peer"] = peer
                host = real_client(peer, forwarded_for, self.trusted)
                if host != peer:
                    scope["client"] = (host, 0)  # the client's port is not forwarded
                scheme = real_scheme(peer, scope.get("scheme", "http"), _header(headers, b"x-forwarded-proto"),
                                     self.trusted)
                if scope["type"] == "websocket":
                    scheme = {"https": "wss", "http": "ws"}.get(scheme, scheme)
                scope["scheme"] = scheme
            elif forwarded_for:
                self._warn_untrusted(peer)
        await self.app(scope, receive, send)

    def _warn_untrusted(self, peer: str) -> None:
        now = time.monotonic()
        if now - self._warned_at.get(peer, -WARN_EVERY_SECONDS) < WARN_EVERY_SECONDS:
            return
        if len(self._warned_at) > 1000:  # many peers sending the header: keep the memory bounded
            self._warned_at.clear()
        self._warned_at[peer] = now
        log.warning(
            "X-Forwarded-For from %s ignored: it is not in LOUZU_TRUSTED_PROXIES. If it is your reverse"
            " proxy, add it, or every user behind it shares its address (login throttling, audit log).",
            peer,
        )
