"""Builds the Litestar app: wiring only, every feature lives in its own module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router

from server import db, i18n
from server.admin.routes import AdminUsers, AuditLogPages
from server.auth.guards import csrf_guard
from server.auth.middleware import SessionMiddleware
from server.auth.routes import AuthApi, AuthPages
from server.errors import EXCEPTION_HANDLERS
from server.home import HomePages
from server.input_guard.guard import refuse_bad_input
from server.leader.routes import LeaderPages
from server.office.routes import OfficePages
from server.offline.routes import OfflineApi, OfflinePages
from server.roster_import.routes import RosterImportPages
from server.security_headers import add_security_headers
from server.settings import APP_VERSION, WEB_DIR, Settings, get_settings
from server.signin_cards.routes import AdminCards, SignInCardPages
from server.static_files.cache_control import StaticCacheMiddleware
from server.sync_api.routes import SyncApi

# Bodies over this are refused before they are read (sync-protocol.md: 1 MiB per push).
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None, manage_db: bool = True) -> Litestar:
    """`manage_db=False` when the caller (a test) has already opened the database."""
    settings = settings or get_settings()
    i18n.compile_catalogs()

    @asynccontextmanager
    async def database(_: Litestar) -> AsyncIterator[None]:
        if manage_db:
            await db.init_db(settings)
        try:
            yield
        finally:
            if manage_db:
                await db.close_db()

    static = create_static_files_router(
        path="/static", directories=[WEB_DIR / "static"], name="static", include_in_schema=False,
        cache_control=None,
    )
    return Litestar(
        route_handlers=[AuthPages, AuthApi, HomePages, LeaderPages, SyncApi, OfflinePages, OfflineApi,
            OfficePages, RosterImportPages, AdminUsers, AuditLogPages, AdminCards, SignInCardPages, static],
        state=State({"settings": settings}),
        middleware=[StaticCacheMiddleware(), SessionMiddleware(settings)],
        # Every answer, also a 404 or 405 no route produced, carries the security headers.
        before_send=[add_security_headers],
        guards=[csrf_guard, refuse_bad_input],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[database],
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="楼组通 Louzu API", version=APP_VERSION, path="/api/schema",
            # JSON only: the HTML viewers load scripts from CDNs, which the CSP (and China) block.
            render_plugins=[JsonRenderPlugin()],
            description="Sync protocol version 1 (see shared/design/sync-protocol.md) and auth.",
        ),
        debug=False,
    )
