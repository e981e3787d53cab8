"""The committee and its roster: building groups, households, residents (domain.md)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.models.base import belongs_to
from sync.vocabulary import ResidentStatus

# Days between elderly checks per care flag; "lives_alone+age_80_plus" applies when a
# resident carries both. The shortest applicable interval wins (domain.md).
DEFAULT_CHECK_RULES: dict[str, int] = {
    "lives_alone+age_80_plus": 7,
    "age_80_plus": 14,
    "lives_alone": 30,
    "disabled": 30,
    "hardship": 30,
    "chronic_illness": 30,
    "watch": 30,
}


class Community(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    subdistrict = fields.CharField(max_length=100)
    check_rules: dict = fields.JSONField(default=dict)
    # Written only by the demo loader. The demo's accounts share a public password, so a
    # non-demo start refuses a store holding a demo committee; a real committee may well carry
    # the demo's name, so the name is never the marker.
    is_demo = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "community"

    def rules(self) -> dict[str, int]:
        return {**DEFAULT_CHECK_RULES, **(self.check_rules or {})}


class BuildingGroup(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "building_groups")
    number = fields.IntField()
    name = fields.CharField(max_length=100)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "building_group"
        unique_together = (("community", "number"),)
        ordering = ["number"]


class Household(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "households")
    building_group: fields.ForeignKeyRelation[BuildingGroup] = belongs_to("models.BuildingGroup", "households")
    address = fields.CharField(max_length=200)  # 天山路680弄16号503室
    room = fields.CharField(max_length=20)  # 503
    visitor_notes = fields.TextField(default="")  # 按门铃两次
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "household"
        ordering = ["building_group_id", "room"]
        # A leader's households (leader home, households_in_scope; the manifest; every
        # `household__building_group_id__in` join of the leader's queries starts here).
        indexes = (("building_group_id", "room"),)


class Resident(Model):
    id = fields.IntField(primary_key=True)
    community: fields.ForeignKeyRelation[Community] = belongs_to("models.Community", "residents")
    household: fields.ForeignKeyRelation[Household] = belongs_to("models.Household", "residents")
    name = fields.CharField(max_length=50)
    gender = fields.CharField(max_length=1)  # "M" / "F"
    birth_year = fields.IntField()
    phone = fields.CharField(max_length=30, null=True)
    care_flags: list = fields.JSONField(default=list)
    status = fields.CharEnumField(ResidentStatus, max_length=10, default=ResidentStatus.ACTIVE)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "resident"
        ordering = ["household_id", "birth_year"]
        # A household's residents: the leader home and household page (prefetch), resident_checks
        # and the manifest's per-household aggregate all reach residents through their household.
        # A committee's active residents: the office's check coverage (/office/checks, the monthly
        # pack) and resident lists; with ten committees on one store (62,480 residents) coverage
        # read all of them to keep its 1,101 (20 ms of its 63 ms, EXPLAIN ANALYZE).
        indexes = (("household_id", "status"), ("community_id", "status"))
