"""Routes for offline use: /sw.js at root scope, the web app manifest, /offline, /phone, and GET /api/sync/manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial

from litestar import Controller, Request, Response, get

from server.auth.api_docs import SESSION_RESPONSES
from server.auth.guards import login_required
from server.core.clock import now_utc
from server.core.pages import Pages
from server.core.render import path_for, render, request_locale
from server.offline.manifest import OfflinePage, offline_pages
from server.settings import WEB_DIR, Settings, app_settings
from server.static_files.version import ASSET_VERSION

SERVICE_WORKER = WEB_DIR / "sw.js"
WEB_APP_MANIFEST = WEB_DIR / "manifest.webmanifest"
# Test-only: a file in DATA_DIR naming another release, so a test can make the browser see a
# new service worker without restarting the server. Read only when test hooks are on.
TEST_RELEASE_FILE = "test-release-version"


def worker_version(settings: Settings) -> str:
    """The release the service worker names its caches after: the asset version (the release and
    a digest of its static files), unless a test says otherwise."""
    if settings.enable_test_hooks:
        override = settings.data_dir / TEST_RELEASE_FILE
        if override.exists():
            return override.read_text().strip() or ASSET_VERSION
    return ASSET_VERSION


@dataclass
class ManifestUser:
    id: int
    display_name: str
    role: str


@dataclass
class OfflineManifest:
    protocol: int
    user: ManifestUser
    pages: list[OfflinePage]
    generated_at: str


class OfflinePages(Pages):
    path = ""

    @get("/sw.js", name="service_worker", include_in_schema=False)
    async def service_worker(self, request: Request) -> Response:
        # Served from the root so its scope is the whole app; never cached by the browser's
        # HTTP cache, so a new release is seen at the next update check.
        source = SERVICE_WORKER.read_text(encoding="utf-8")
        source = source.replace('"__LOUZU_RELEASE__"', json.dumps(worker_version(app_settings(request))))
        source = source.replace('"__LOUZU_ASSET_VERSION__"', json.dumps(ASSET_VERSION))
        return Response(
            source,
            media_type="text/javascript; charset=utf-8",
            headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
        )

    @get("/manifest.webmanifest", name="web_app_manifest", include_in_schema=False)
    async def web_app_manifest(self) -> Response:
        return Response(
            WEB_APP_MANIFEST.read_bytes(),
            media_type="application/manifest+json",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/offline", name="offline_page")
    async def offline_page(self, request: Request) -> Response:
        """The page a phone shows for a page it has not kept. Precached by the worker, so it
        carries nothing of the user (no name, no token): it is not wiped at logout."""
        return render(request, "offline.html", user=None, csrf_token="")

    @get("/phone", name="phone_status", guards=[login_required])
    async def phone_status(self, request: Request) -> Response:
        """本机状态: what this phone holds; the figures are filled in on the phone itself."""
        return render(request, "phone.html")


class OfflineApi(Controller):
    path = "/api/sync/manifest"
    tags = ["sync"]

    @get("/", name="sync_manifest", guards=[login_required], responses=SESSION_RESPONSES)
    async def manifest(self, request: Request) -> Response[OfflineManifest]:
        """What this user's phone should keep for offline use: each page with a version tag
        (sync-protocol.md). The phone refetches only pages whose tag changed and drops the rest."""
        user = request.scope["user"]
        body = OfflineManifest(
            protocol=1,
            user=ManifestUser(id=user.id, display_name=user.display_name, role=str(getattr(user.role, "value", user.role))),
            pages=await offline_pages(partial(path_for, request), user, request_locale(request), request.scope["auth"].id),
            generated_at=now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return Response(body, headers={"Cache-Control": "no-store"})
