"""The demo committee's figures: a fictional 居委会 on a real one's numbers (domain.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from server.models import Role

COMMUNITY_NAME = "天山路第一居民区"
SUBDISTRICT = "天山路街道"
HOUSEHOLDS = 2076
RESIDENTS = 6248
HISTORY_DAYS = 182
# Lanes of 天山路 and how many buildings (one building group each) they hold: 60 in all.
LANES = (("600", 9), ("618", 10), ("633", 8), ("650", 9), ("680", 16), ("699", 8))
GROUPS = sum(count for _, count in LANES)
LEADERS = [f"leader{n:02d}" for n in range(1, GROUPS + 1)]
STAFF = (("office", Role.OFFICE, "居委会办公室"), ("admin", Role.ADMIN, "系统管理员"))
# Fixed, so the demo is the same committee every time and its visit ids never change.
SEED = 20261126
NAMESPACE = uuid.UUID("6f1d3c2e-4b7a-5e1f-9c0d-1a2b3c4d5e6f")
BATCH = 500
QUIET_LEADERS = 2


class DemoError(Exception):
    """The demo cannot be loaded here (message in Chinese)."""


@dataclass
class DemoSummary:
    groups: int
    households: int
    residents: int
    visits: int
    users: int
    seconds: float
    loaded: bool = True  # False when the demo committee was already there
