"""Settings read once from the environment; the only place that looks at os.environ."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

# Bumped with every release; the service worker names its caches after it.
APP_VERSION = "0.1.0"

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"

# Anything shorter, or this known placeholder, is refused outside demo mode.
DEFAULT_SECRET = "louzu-insecure-default-secret-change-me"
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """A setting makes a safe start impossible; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = False
    # Long on purpose: a leader must never be logged out in a stairwell with entries waiting.
    session_days: int = 180
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Lower argon2 costs are for tests only; production keeps argon2-cffi's defaults.
    fast_password_hashing: bool = False
    # Test-only fault hooks (e.g. "lose the response after commit"); never on in production.
    enable_test_hooks: bool = False
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks). Empty: the headers are ignored and the peer is the client (server/edge/forwarded.py).
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Prometheus metrics on their own port (0: none), never on the app's public port; see
    # server/metrics/exporter.py for one process vs several.
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    # prometheus-client's own variable, read here too: set, every process writes its counts there.
    metrics_dir: str = ""
    # Alerts (server/alerts/): the background sender runs in every app process unless switched
    # off (LOUZU_ALERT_WORKER=0); it is off in a bare Settings so tests start it on purpose.
    alert_worker: bool = False
    alert_poll_seconds: float = 5.0
    alert_retry_base_seconds: float = 15.0
    # Hosts a chat robot webhook may point at (the server POSTs there: no other address).
    alert_webhook_hosts: tuple[str, ...] = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")
    # The address staff open the app at, for the links in alerts; empty: the admin's own.
    public_url: str = ""
    # How often an open office dashboard asks whether something changed.
    live_poll_seconds: float = 20.0
    default_locale: str = "zh_Hans"
    timezone: str = "Asia/Shanghai"
    # LOUZU_PASSWORD: the password `louzu createuser` gives when --password is not used, so that
    # a script need not put it on a command line (visible in `ps`). Kept out of repr.
    account_password: str = field(default="", repr=False)
    extra: dict = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def behind_https(self) -> bool:
        """LOUZU_HTTPS=1: the site is reached over HTTPS only (Secure cookies, HSTS)."""
        return os.environ.get("LOUZU_HTTPS", "") == "1"

    @property
    def cookie_secure(self) -> bool:
        # Browsers treat 127.0.0.1/localhost as secure contexts even over http; a
        # Secure cookie would not be sent back there, so only set it behind HTTPS.
        return self.behind_https

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def check_secret(self) -> None:
        """Refuse a real (non-demo) start with a missing, default or weak secret."""
        if self.demo:
            return
        if self.secret_key in ("", DEFAULT_SECRET) or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise SettingsError(
                "SECRET_KEY 未设置或太弱：正式运行前请设置至少 32 个字符的随机密钥，"
                "例如 SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')。"
                " / SECRET_KEY is missing, the default, or shorter than 32 characters;"
                " set a random one before a non-demo start (or use --demo)."
            )


def _normalise_database_url(url: str) -> str:
    # Tortoise speaks "postgres://"; the usual DATABASE_URL spellings are accepted too.
    for prefix in ("postgresql+asyncpg://", "postgresql://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix):]
    return url


def parse_trusted_proxies(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`127.0.0.1, 10.0.0.0/8 ::1` -> networks; a word that is not an address stops the start."""
    networks = []
    for word in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            raise SettingsError(
                f"LOUZU_TRUSTED_PROXIES 里的“{word}”不是 IP 地址或网段 / is not an IP address or network"
            ) from None
    return tuple(networks)


def from_environment(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DATA_DIR", ROOT / "data")).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite://{data_dir / 'louzu.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=_normalise_database_url(database_url),
        secret_key=env.get("SECRET_KEY", DEFAULT_SECRET),
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8000")),
        demo=env.get("LOUZU_DEMO", "") == "1",
        session_days=int(env.get("SESSION_DAYS", "180")),
        fast_password_hashing=env.get("LOUZU_FAST_HASHING", "") == "1",
        enable_test_hooks=env.get("LOUZU_TEST_HOOKS", "") == "1",
        trusted_proxies=parse_trusted_proxies(env.get("LOUZU_TRUSTED_PROXIES", "")),
        metrics_port=int(env.get("LOUZU_METRICS_PORT", "0") or 0),
        metrics_host=env.get("LOUZU_METRICS_HOST", "127.0.0.1"),
        metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        alert_worker=env.get("LOUZU_ALERT_WORKER", "1") != "0",
        alert_webhook_hosts=tuple(
            host.strip().lower()
            for host in env.get("LOUZU_ALERT_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com").split(",")
            if host.strip()
        ),
        public_url=env.get("LOUZU_PUBLIC_URL", "").rstrip("/"),
        live_poll_seconds=float(env.get("LOUZU_LIVE_POLL_SECONDS", "20")),
        account_password=env.get("LOUZU_PASSWORD", ""),
    )


def child_process_environment(*, drop: tuple[str, ...] = (), **variables: str) -> dict[str, str]:
    """The environment for a tool the server runs (pg_dump, pg_restore, an export process): this
    process's own (PATH to find it, the locale, a deployment's PGSSLMODE and the like), without
    the names in `drop`, plus `variables`."""
    return {**{name: value for name, value in os.environ.items() if name not in drop}, **variables}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()


def app_settings(request) -> Settings:
    """The settings the running app was built with (tests build apps with their own)."""
    return request.app.state.settings
