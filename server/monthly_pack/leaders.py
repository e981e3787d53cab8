"""Leaders whose phones have gone quiet: the pack lists them so someone calls round."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from server.models import BuildingGroup, DeviceSession, Role, User

# A leader whose phones have not synced for longer than this is listed (never synced counts).
QUIET_AFTER = timedelta(days=3)


async def quiet_leaders(community_id: int, now: datetime, groups: list[BuildingGroup]) -> list[dict[str, Any]]:
    """Active leaders with no sync in QUIET_AFTER, never synced first, then the longest quiet.
    `groups`: the community's groups with their leaders prefetched (the pack has them)."""
    leaders: dict[int, User] = {}
    groups_of: dict[int, list[str]] = defaultdict(list)
    for group in sorted(groups, key=lambda g: g.number):
        for user in group.leaders:
            if user.active and user.role == Role.LEADER and user.community_id == community_id:
                leaders[user.id] = user
                groups_of[user.id].append(group.name)
    # Leaders without a group yet are leaders too.
    for user in await User.filter(community_id=community_id, role=Role.LEADER, active=True).exclude(
            id__in=list(leaders)):
        leaders[user.id] = user
    last: dict[int, datetime] = {}
    for user_id, synced in await DeviceSession.filter(
        user_id__in=list(leaders), last_sync_at__isnull=False
    ).values_list("user_id", "last_sync_at"):
        if user_id not in last or synced > last[user_id]:
            last[user_id] = synced
    quiet = [u for u in leaders.values() if u.id not in last or now - last[u.id] > QUIET_AFTER]
    quiet.sort(key=lambda u: (u.id in last, last.get(u.id) or now, u.username))
    return [
        {
            "name": u.display_name, "username": u.username, "groups": groups_of.get(u.id, []),
            "last_sync_at": last[u.id].isoformat() if u.id in last else None,
        }
        for u in quiet
    ]
