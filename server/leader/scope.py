"""Which building groups a leader has: the one answer, for the leader's pages, the offline
manifest, the elderly checks and the ingest of pushed records.

A leader looks after the building groups they are assigned to *in their own community*: an
assignment to a group of another committee (a data error, or an account moved between
committees) gives nothing. The community is the first filter, as on every query
(architecture.md): a city-wide store is partitioned by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from server.models import BuildingGroup, Community, User


@dataclass(frozen=True)
class LeaderScope:
    user: User
    community: Community | None  # None only for a misconfigured account: then no groups either
    groups: list[BuildingGroup]  # by number

    @property
    def group_ids(self) -> list[int]:
        return [group.id for group in self.groups]


def _groups(user: User) -> QuerySet[BuildingGroup]:
    return BuildingGroup.filter(community_id=user.community_id, leaders=user.id)


async def leader_scope(user: User) -> LeaderScope:
    """The community and its groups this leader has (two queries)."""
    community = await Community.get_or_none(id=user.community_id) if user.community_id else None
    if community is None:
        return LeaderScope(user, None, [])
    return LeaderScope(user, community, list(await _groups(user).order_by("number")))


async def leader_group_ids(user: User) -> list[int]:
    """Only the ids (one query), where the community itself is not needed."""
    if user.community_id is None:
        return []
    return list(await _groups(user).values_list("id", flat=True))
