"""What the app does once at start-up, before it serves."""

from __future__ import annotations

import gc


async def test_startup_freezes_the_heap_it_built(db, settings):
    # The objects alive after start-up leave the collector's sight (server.app.settle_heap):
    # without it a full collection walked them all, one leader-home request in ~30 (the p99).
    from server.app import create_app

    app = create_app(settings, manage_db=False)
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        async with app.lifespan():
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process goes on: let its garbage be collected as before
