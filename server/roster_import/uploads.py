"""Roster files kept between their preview and the office's confirmation (RosterUpload rows)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.expressions import Q

from server.core.clock import now_utc
from server.models import RosterUpload, User

# A preview is confirmed within minutes; a day is generous and keeps residents' personal data
# from lying in the table for long.
UPLOAD_TTL = timedelta(days=1)
FILENAME_MAX = 200  # RosterUpload.filename


def clean_filename(raw: str | None) -> str:
    """The name as the person knows it: no folders (old browsers send the whole path), kept short
    with its extension, which says what kind of file it is."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) <= FILENAME_MAX:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:FILENAME_MAX]
    return stem[: FILENAME_MAX - len(extension) - 1] + "." + extension


def is_expired(upload: RosterUpload, now: datetime | None = None) -> bool:
    return upload.created_at < (now or now_utc()) - UPLOAD_TTL


async def store(user: User, filename: str, content: bytes, mark_missing_moved: bool) -> RosterUpload:
    """Keeps a previewed file for its confirmation.

    Every new upload first deletes the stale ones of every committee (older than a day, or
    already imported), so residents' personal data does not pile up in this table: the roster
    itself is where it belongs once imported, and an unconfirmed file is simply uploaded again.
    """
    cutoff = now_utc() - UPLOAD_TTL
    await RosterUpload.filter(Q(created_at__lt=cutoff) | Q(imported_at__isnull=False)).delete()
    return await RosterUpload.create(
        community_id=user.community_id, uploaded_by=user, filename=filename, content=content,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), mark_missing_moved=mark_missing_moved,
    )


async def community_upload(community_id: int | None, upload_id: int) -> RosterUpload | None:
    """An upload of this committee only: another committee's answers like a missing one."""
    if community_id is None:
        return None
    return await RosterUpload.get_or_none(id=upload_id, community_id=community_id)


async def claim(upload: RosterUpload) -> bool:
    """Marks the upload imported; False when another request already did. Call it in the import's
    transaction, so the mark and the import stand or fall together."""
    won = await RosterUpload.filter(id=upload.id, imported_at__isnull=True).update(
        imported_at=now_utc()
    )
    return won == 1


async def forget_content(upload: RosterUpload) -> None:
    """Once imported the file's bytes are not needed; the row stays to answer a repeated confirm."""
    await RosterUpload.filter(id=upload.id).update(content=b"")
