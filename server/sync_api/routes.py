"""Sync API (placeholder until the ingest lands)."""

from litestar import Controller


class SyncApi(Controller):
    path = "/api/sync"
