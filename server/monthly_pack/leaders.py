"""Leaders whose phones have gone quiet: the pack lists them so someone calls round."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.models import DeviceSession, Role, User

# A leader whose phones have not synced for longer than this is listed (never synced counts).
QUIET_AFTER = timedelta(days=3)


async def quiet_leaders(community_id: int, now: datetime) -> list[dict[str, Any]]:
    """Active leaders with no sync in QUIET_AFTER, never synced first, then the longest quiet."""
    leaders = await User.filter(community_id=community_id, role=Role.LEADER, active=True).prefetch_related(
        "building_groups"
    ).order_by("username")
    last: dict[int, datetime] = {}
    for user_id, synced in await DeviceSession.filter(
        user__community_id=community_id, user__role=Role.LEADER, last_sync_at__isnull=False
    ).values_list("user_id", "last_sync_at"):
        if user_id not in last or synced > last[user_id]:
            last[user_id] = synced
    quiet = [
        (u, last.get(u.id)) for u in leaders if u.id not in last or now - last[u.id] > QUIET_AFTER
    ]
    quiet.sort(key=lambda q: (q[1] is not None, q[1] or now, q[0].username))
    return [
        {
            "name": u.display_name, "username": u.username,
            "groups": [g.name for g in sorted(u.building_groups, key=lambda g: g.number)],
            "last_sync_at": synced.isoformat() if synced else None,
        }
        for u, synced in quiet
    ]
