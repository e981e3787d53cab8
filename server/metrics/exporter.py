"""Serves the metrics on settings.metrics_port (loopback by default), apart from the app's port:
the public proxy never routes to it, so no login or role is involved.

One process (`louzu serve` alone): that process serves its own metrics on the port.
Several processes: prometheus-client's multiprocess mode. Every app process is started with
PROMETHEUS_MULTIPROC_DIR (the same empty directory, e.g. /run/louzu/metrics, emptied at boot)
and writes its counts there; `louzu metrics` is a small process of its own that adds them up and
serves the sum, so a scrape sees the whole server whichever app process died or restarted.
"""

from __future__ import annotations

import time

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from server.settings import Settings


def registry(settings: Settings) -> CollectorRegistry:
    if not settings.metrics_dir:
        return REGISTRY
    combined = CollectorRegistry()
    MultiProcessCollector(combined, path=settings.metrics_dir)
    return combined


def serve_in_process(settings: Settings) -> bool:
    """`louzu serve`: serve this process's own metrics, unless the multiprocess collector
    (`louzu metrics`) does it for all of them. True when it started."""
    if not settings.metrics_port or settings.metrics_dir:
        return False
    start_http_server(settings.metrics_port, settings.metrics_host, registry=registry(settings))
    return True


def serve_forever(settings: Settings) -> None:
    """`louzu metrics`: the sum over every app process writing to settings.metrics_dir."""
    server, thread = start_http_server(settings.metrics_port, settings.metrics_host, registry=registry(settings))
    try:
        while thread.is_alive():
            time.sleep(1)
    finally:
        server.shutdown()
