"""Leader pages (placeholder until the leader screens land)."""

from litestar import Controller


class LeaderPages(Controller):
    path = ""
