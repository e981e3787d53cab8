"""An office export built in a process of its own; the serving process only relays its bytes.

A ten-year workbook is tens of seconds of Python formatting every cell. In a worker thread of
the serving process it still held the interpreter lock half the time, so a phone's push took
2-3x its idle time while the office downloaded (bench/push_latency.py). Here a child process
reads the store over its own connection, formats and compresses, and writes the file to its
stdout; the request streams that pipe to the browser. Memory of the serving process stays where
it was whatever the size, and a browser that goes away ends the child.

The file's opening (the CSV header, the workbook's package head) needs no store: the serving
process makes and sends it at once, so the download starts while the child starts (half a second
of imports), and the child checks that its own file begins with exactly those bytes.

The job (kind, community, filters, the store's settings, the opening) goes in on stdin as a
pickle from this same program, never on the command line, which every user of the machine can read.

Run by the server itself: python -m server.office.export_job (the job on stdin).
"""

from __future__ import annotations

import asyncio
import dataclasses
import pickle
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

from anyio import to_thread

from server.db import close_db, init_db
from server.office import export_rows
from server.office.exports import BODIES, opening
from server.office.filters import VisitFilters
from server.office.xlsx_stream import XlsxStart
from server.settings import Settings, child_process_environment

PIECE = 64 * 1024  # read from the child's pipe at most this much at a time


class ExportFailed(RuntimeError):
    """The export process ended with an error: the download is cut short, never passed off as whole."""


@dataclass(frozen=True)
class ExportJob:
    kind: str  # "csv" or "xlsx" (exports.BODIES)
    community_id: int | None
    filters: VisitFilters
    settings: Settings
    chunk: int  # visits per chunk (export_rows.CHUNK of the serving process)
    start: XlsxStart | None  # how the file begins (exports.opening) …
    opening: bytes  # … and its first bytes, already sent by the serving process


def _in_memory(settings: Settings) -> bool:
    # A store only this process can see (an in-memory SQLite) cannot be read from another one.
    return settings.database_url.startswith("sqlite://:memory:")


async def exported(kind: str, community_id: int | None, filters: VisitFilters, settings: Settings) -> AsyncIterator[bytes]:
    """The file's bytes: its opening at once from here, the rest as the export process writes it."""
    # Only what the query needs travels: the form's choices hold model objects of this process.
    filters = dataclasses.replace(filters, choices=None, raw={}, errors={})
    if _in_memory(settings):
        async for piece in BODIES[kind](community_id, filters, export_rows.CHUNK):
            yield piece
        return
    # Started first, so the child's start-up runs while the opening is made and sent.
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.office.export_job",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        # Not one of the app processes whose metrics `louzu metrics` sums: in that directory it
        # would leave files of its own behind after every export.
        env=child_process_environment(drop=("PROMETHEUS_MULTIPROC_DIR",)),
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        start, first = await to_thread.run_sync(opening, kind)
        child.stdin.write(pickle.dumps(ExportJob(kind, community_id, filters, settings, export_rows.CHUNK, start, first)))
        await child.stdin.drain()
        child.stdin.close()
        yield first
        while piece := await child.stdout.read(PIECE):
            yield piece
        if await child.wait() != 0:
            raise ExportFailed(f"the {kind} export process ended with code {child.returncode}")
    finally:
        if child.returncode is None:  # the browser went away, or this task was cancelled
            child.kill()
            await asyncio.shield(child.wait())


async def _run(job: ExportJob) -> None:
    await init_db(job.settings)
    try:
        body = BODIES[job.kind](job.community_id, job.filters, job.chunk, job.start)
        if await anext(body) != job.opening:
            # Never hand on a file whose two halves were made differently.
            raise SystemExit("export_job: this export's opening differs from the one already sent")
        out = sys.stdout.buffer
        async for piece in body:
            out.write(piece)
            out.flush()
    finally:
        await close_db()


def main() -> None:
    job = pickle.load(sys.stdin.buffer)
    if not isinstance(job, ExportJob):
        raise SystemExit("export_job: expected an ExportJob on stdin")
    asyncio.run(_run(job))


if __name__ == "__main__":
    # Run as the module itself (not as __main__), so the job's class is the one it was pickled as.
    from server.office import export_job

    export_job.main()
