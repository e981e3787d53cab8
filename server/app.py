"""Builds the Litestar app: wiring only, every feature lives in its own module."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router

from server import db, edge
from server.admin.routes import AdminUsers, AuditLogPages
from server.alerts.routes import AdminAlerts, OfficeLive
from server.alerts.worker import alert_lifespan
from server.auth.guards import csrf_guard
from server.auth.middleware import SessionMiddleware
from server.auth.routes import AuthApi, AuthPages
from server.core import i18n
from server.core.errors import EXCEPTION_HANDLERS
from server.core.home import HomePages
from server.core.security_headers import add_security_headers
from server.health.routes import HealthApi
from server.input_guard.guard import refuse_bad_input
from server.leader.routes import LeaderPages
from server.office.routes import OfficePages
from server.offline.routes import OfflineApi, OfflinePages
from server.roster_import.routes import RosterImportPages
from server.settings import APP_VERSION, WEB_DIR, Settings, get_settings
from server.signin_cards.routes import AdminCards, SignInCardPages
from server.static_files.cache_control import StaticCacheMiddleware
from server.sync_api.routes import SyncApi

# Bodies over this are refused before they are read (sync-protocol.md: 1 MiB per push).
MAX_BODY_BYTES = 1024 * 1024
# Responses the gzip middleware leaves alone: an .xlsx is a zip package, already deflated, so
# gzipping it again costs the server CPU for every chunk of a ten-year export and saves nothing
# (the visits export, the roster template and export all end in .xlsx).
UNCOMPRESSED_PATHS = [r"\.xlsx$"]


def settle_heap() -> None:
    """Hand what start-up built to the garbage collector's permanent generation.

    Modules, routes, models and Tortoise's metadata are ~90,000 tracked objects that live as long
    as the process; every full (generation-2) collection walked them all: on the leader
    home at ten years one request in 30–60 took a 32–63 ms pause (gc.callbacks), the p99.
    Frozen, a full collection walks only what requests made since (Python's gc.freeze docs).
    Called once the app is ready to serve; nothing is leaked (they were never to be freed)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, manage_db: bool = True) -> Litestar:
    """`manage_db=False` when the caller (a test) has already opened the database."""
    settings = settings or get_settings()
    i18n.compile_catalogs()

    @asynccontextmanager
    async def database(_: Litestar) -> AsyncIterator[None]:
        if manage_db:
            await db.init_db(settings)
        settle_heap()
        try:
            yield
        finally:
            if manage_db:
                await db.close_db()

    static = create_static_files_router(
        path="/static", directories=[WEB_DIR / "static"], name="static", include_in_schema=False,
        cache_control=None,
    )
    app = Litestar(
        route_handlers=[AuthPages, AuthApi, HomePages, LeaderPages, SyncApi, OfflinePages, OfflineApi,
            OfficePages, RosterImportPages, AdminUsers, AuditLogPages, AdminCards, SignInCardPages, HealthApi, static,
            OfficeLive, AdminAlerts],
        state=State({"settings": settings}),
        middleware=[StaticCacheMiddleware(), SessionMiddleware(settings)],
        # Every answer, also a 404 or 405 no route produced, carries the security headers.
        before_send=[add_security_headers],
        guards=[csrf_guard, refuse_bad_input],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[database, alert_lifespan(settings)],
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, gzip_compress_level=6, exclude=UNCOMPRESSED_PATHS,
        ),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="楼组通 Louzu API", version=APP_VERSION, path="/api/schema",
            # JSON only: the HTML viewers load scripts from CDNs, which the CSP (and China) block.
            render_plugins=[JsonRenderPlugin()],
            description="Sync protocol version 1 (see shared/design/sync-protocol.md) and auth.",
        ),
        debug=False,
    )
    # Before routing, so 404s and 405s pass it too (see server/edge).
    app.asgi_handler = edge.wrap(app.asgi_handler, settings)
    return app
