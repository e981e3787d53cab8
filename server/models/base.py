"""What the models share: the partial index Tortoise cannot say on its own."""

from __future__ import annotations

from tortoise.indexes import Index


class WhereIndex(Index):
    """An index over the rows matching `where` only (a partial index, on SQLite and PostgreSQL).

    Tortoise's PartialIndex can only say `column = value`, never `IS NULL`. A query uses such an
    index when its own WHERE says the same condition, word for word on SQLite."""

    def __init__(self, *, fields: tuple[str, ...] | list[str], name: str, where: str) -> None:
        super().__init__(fields=fields, name=name)
        self.where = where
        self.extra = f" WHERE {where}"

    def deconstruct(self) -> tuple[str, list, dict]:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "where": self.where}
