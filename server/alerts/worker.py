"""The background sender: in every app process's lifespan, a look every few seconds that queues
new alerts and sends the due ones. Nothing here is needed for correctness across processes:
the queue's unique key and the delivery's claims are in the store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from server.alerts.delivery import deliver_due
from server.alerts.queue import queue_new_alerts
from server.core.clock import now_utc
from server.settings import Settings

log = logging.getLogger("louzu.alerts")
STOP_TIMEOUT = 15.0  # longer than one alert's HTTP timeout: a graceful stop leaves no claim behind


async def run_once(settings: Settings, client: httpx.AsyncClient, stopping: asyncio.Event | None = None) -> int:
    """One look: queue what arrived, send what is due. Returns how many were sent."""
    now = now_utc()
    await queue_new_alerts(now)
    return await deliver_due(settings, client, now, stopping)


class AlertWorker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="louzu-alerts")

    async def stop(self) -> None:
        """Lets the current look finish (so no alert stays claimed), then ends."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._task, STOP_TIMEOUT)
        except asyncio.TimeoutError:  # wait_for has cancelled it; its claim's lease runs out
            log.warning("alert worker did not stop in time")

    async def _loop(self) -> None:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    await run_once(self.settings, client, self._stop)
                except Exception:  # a busy SQLite, a lost connection: the next look tries again
                    log.exception("alert worker: look failed")
                try:
                    await asyncio.wait_for(self._stop.wait(), self.settings.alert_poll_seconds)
                except asyncio.TimeoutError:
                    pass


def alert_lifespan(settings: Settings):
    """A Litestar lifespan hook; listed after the database's, so it stops before the store closes."""

    @asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:
        worker = AlertWorker(settings) if settings.alert_worker else None
        if worker:
            worker.start()
        try:
            yield
        finally:
            if worker:
                await worker.stop()

    return lifespan
