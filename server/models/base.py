"""What the models share: how rows point at each other, and the partial index Tortoise cannot say."""

from __future__ import annotations

from typing import Any

from tortoise import fields
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


# Every reference between rows is one of these four; each says what happens to it when the row
# it points at is deleted (rows are rarely deleted here: residents move, accounts are deactivated).


def belongs_to(model: str, related_name: str, *, null: bool = False) -> Any:
    """A row of the committee's record: what it points at can never be deleted from under it."""
    return fields.ForeignKeyField(model, related_name=related_name, null=null, on_delete=fields.RESTRICT)


def part_of(model: str, related_name: str) -> Any:
    """A row that is a piece of another (a visit's revision, a user's session): it goes with it."""
    return fields.ForeignKeyField(model, related_name=related_name, on_delete=fields.CASCADE)


def done_by(related_name: str) -> Any:
    """Who did something: the record stays when that account is removed, only the name is lost."""
    return fields.ForeignKeyField("models.User", related_name=related_name, null=True, on_delete=fields.SET_NULL)


def kept_apart(model: str, related_name: str) -> Any:
    """A link kept for reading only (a card's session): it is cleared when the other row goes."""
    return fields.ForeignKeyField(model, related_name=related_name, null=True, on_delete=fields.SET_NULL)
