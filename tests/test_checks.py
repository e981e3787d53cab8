"""Elderly checks: intervals, due/overdue in Shanghai calendar days, and what counts as a check."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from server.checks.rules import (
    CheckState,
    check_interval,
    check_status,
    resident_checks,
)
from server.core.clock import local_date
from server.models import (
    DEFAULT_CHECK_RULES,
    Resident,
    ResidentStatus,
    Visit,
    VisitKind,
    VisitResident,
    VisitStatus,
)

SH = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at("2026-11-26 09:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


async def log_visit(world, resident_list, when: datetime, *, withdrawn=False, kind=VisitKind.ROUTINE, author=None):
    household = resident_list[0].household_id
    visit = await Visit.create(
        id=uuid.uuid4(), community=world.community, household_id=household,
        author=author or world.users["leader01"], kind=kind, status=VisitStatus.OK,
        occurred_at=when, received_at=when, content_hash="x" * 64, withdrawn=withdrawn,
        resident_ids=[r.id for r in resident_list],
    )
    for resident in resident_list:
        await VisitResident.create(visit=visit, resident=resident, occurred_at=when, kind=kind)
    return visit


def by_name(checks):
    return {c.resident.name: c for c in checks}


# --- the interval ---------------------------------------------------------------------------

def test_shortest_applicable_interval_wins():
    assert check_interval(["age_80_plus"], DEFAULT_CHECK_RULES) == 14
    assert check_interval(["chronic_illness"], DEFAULT_CHECK_RULES) == 30
    assert check_interval(["age_80_plus", "chronic_illness", "watch"], DEFAULT_CHECK_RULES) == 14


def test_combined_rule_needs_both_flags():
    assert check_interval(["lives_alone", "age_80_plus"], DEFAULT_CHECK_RULES) == 7
    assert check_interval(["lives_alone"], DEFAULT_CHECK_RULES) == 30
    assert check_interval(["lives_alone", "disabled"], DEFAULT_CHECK_RULES) == 30


def test_no_flags_no_interval():
    assert check_interval([], DEFAULT_CHECK_RULES) is None
    assert check_status([], DEFAULT_CHECK_RULES, None, at("2026-11-26 09:00")) is None


def test_malformed_community_rule_is_ignored():
    rules = {**DEFAULT_CHECK_RULES, "watch": "soon", "disabled": 0}
    assert check_interval(["watch"], rules) is None
    assert check_interval(["disabled", "hardship"], rules) == 30


# --- the states, with a fixed clock ----------------------------------------------------------

def test_states_around_the_end_of_the_interval():
    now = at("2026-11-26 10:00")
    flags = ["age_80_plus"]  # 14 days

    def state(days_ago):
        return check_status(flags, DEFAULT_CHECK_RULES, now - timedelta(days=days_ago), now)

    assert state(0).state is CheckState.OK
    assert state(11).state is CheckState.OK
    assert state(12).state is CheckState.DUE  # 2 days before the end
    assert state(14).state is CheckState.DUE  # the last day of the interval
    assert state(14).days_left == 0
    assert state(15).state is CheckState.OVERDUE
    assert state(15).days_overdue == 1
    assert state(15).days_since == 15


def test_never_checked_is_overdue():
    status = check_status(["watch"], DEFAULT_CHECK_RULES, None, at("2026-11-26 10:00"))
    assert status.state is CheckState.OVERDUE
    assert status.never_checked and status.days_since is None


def test_a_visit_from_a_phone_clock_in_the_future_counts_as_today():
    now = at("2026-11-26 10:00")
    status = check_status(["age_80_plus"], DEFAULT_CHECK_RULES, now + timedelta(days=3), now)
    assert status.days_since == 0 and status.state is CheckState.OK


def test_days_are_counted_in_shanghai_calendar_dates():
    # 23:30 in Shanghai on 19 Nov is 15:30Z the same day: it is day 19 in Shanghai.
    late = datetime(2026, 11, 19, 15, 30, tzinfo=timezone.utc)
    assert local_date(late).isoformat() == "2026-11-19"
    # 00:30 in Shanghai on 20 Nov is 16:30Z on 19 Nov: it is day 20 in Shanghai.
    early = datetime(2026, 11, 19, 16, 30, tzinfo=timezone.utc)
    assert local_date(early).isoformat() == "2026-11-20"

    # Flags lives_alone + age_80_plus: 7 days. Now is 08:00 on 27 Nov in Shanghai (00:00Z).
    now = datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)
    flags = ["lives_alone", "age_80_plus"]
    # Seen at 23:30 on the 19th: 8 Shanghai days ago although only 7d 8.5h -> overdue.
    assert check_status(flags, DEFAULT_CHECK_RULES, late, now).days_since == 8
    assert check_status(flags, DEFAULT_CHECK_RULES, late, now).state is CheckState.OVERDUE
    # Seen one hour later, 00:30 on the 20th (still the 19th in UTC): 7 days -> due, not overdue.
    assert check_status(flags, DEFAULT_CHECK_RULES, early, now).days_since == 7
    assert check_status(flags, DEFAULT_CHECK_RULES, early, now).state is CheckState.DUE


def test_now_just_after_midnight_in_shanghai_is_the_new_day():
    seen = at("2026-11-12 09:00")
    flags = ["age_80_plus"]  # 14 days
    before_midnight = at("2026-11-26 23:59")  # 15:59Z on the 26th
    after_midnight = at("2026-11-27 00:01")  # 16:01Z, still the 26th in UTC
    assert check_status(flags, DEFAULT_CHECK_RULES, seen, before_midnight).state is CheckState.DUE
    assert check_status(flags, DEFAULT_CHECK_RULES, seen, after_midnight).state is CheckState.OVERDUE


# --- from the store ---------------------------------------------------------------------------

async def test_resident_checks_for_a_leader(world):
    now = at("2026-11-26 10:00")
    zhang, li, wang = world.residents["zhang"], world.residents["li"], world.residents["wang"]
    await log_visit(world, [li], at("2026-11-13 09:00"))  # 13 days of 14 -> due
    await log_visit(world, [wang], at("2026-11-20 09:00"))  # 6 days of 30 -> ok
    # zhang (80+, alone: 7 days) never seen -> overdue

    checks = await resident_checks(world.users["leader01"], now=now)

    names = [c.resident.name for c in checks]
    assert names == ["张桂英", "李建国", "王美华"]  # overdue, due, ok; 赵小明 has no flags
    found = by_name(checks)
    assert found["张桂英"].state is CheckState.OVERDUE and found["张桂英"].status.never_checked
    assert found["李建国"].state is CheckState.DUE and found["李建国"].status.days_since == 13
    assert found["王美华"].state is CheckState.OK
    # Scope: residents of the other group and of the other community are not listed.
    assert "陈阿婆" not in found and "外区居民" not in found


async def test_most_overdue_first(world):
    now = at("2026-11-26 10:00")
    zhang, li = world.residents["zhang"], world.residents["li"]
    await log_visit(world, [zhang], at("2026-11-16 09:00"))  # 10 days of 7: 3 over
    await log_visit(world, [li], at("2026-11-01 09:00"))  # 25 days of 14: 11 over
    await Resident.filter(id=world.residents["wang"].id).update(care_flags=[])

    names = [c.resident.name for c in await resident_checks(world.users["leader01"], now=now)]
    assert names == ["李建国", "张桂英"]


async def test_any_visit_that_saw_them_counts_and_the_latest_wins(world):
    now = at("2026-11-26 10:00")
    li = world.residents["li"]
    await log_visit(world, [li], at("2026-10-01 09:00"), kind=VisitKind.ELDERLY_CHECK)
    await log_visit(world, [li, world.residents["wang"]], at("2026-11-24 21:00"), kind=VisitKind.SAFETY)

    found = by_name(await resident_checks(world.users["leader01"], now=now))
    assert found["李建国"].status.days_since == 2
    assert found["李建国"].state is CheckState.OK
    assert found["李建国"].status.last_checked_at == at("2026-11-24 21:00")


async def test_withdrawn_visits_do_not_count(world):
    now = at("2026-11-26 10:00")
    li = world.residents["li"]
    await log_visit(world, [li], at("2026-11-01 09:00"))
    await log_visit(world, [li], at("2026-11-25 09:00"), withdrawn=True)

    found = by_name(await resident_checks(world.users["leader01"], now=now))
    assert found["李建国"].status.days_since == 25
    assert found["李建国"].state is CheckState.OVERDUE


async def test_moved_and_deceased_residents_are_not_listed(world):
    await Resident.filter(id=world.residents["zhang"].id).update(status=ResidentStatus.MOVED)
    await Resident.filter(id=world.residents["li"].id).update(status=ResidentStatus.DECEASED)

    names = {c.resident.name for c in await resident_checks(world.users["leader01"], now=at("2026-11-26 10:00"))}
    assert names == {"王美华"}


async def test_community_rule_override(world):
    now = at("2026-11-26 10:00")
    world.community.check_rules = {"age_80_plus": 5}
    await world.community.save()
    li = world.residents["li"]
    await log_visit(world, [li], at("2026-11-20 09:00"))  # 6 days

    found = by_name(await resident_checks(world.users["leader01"], now=now))
    assert found["李建国"].status.interval_days == 5
    assert found["李建国"].state is CheckState.OVERDUE
    # zhang (80+ and alone: 7 days by default) now gets the shorter 5 days of age_80_plus.
    assert found["张桂英"].status.interval_days == 5


async def test_one_household_only(world):
    checks = await resident_checks(
        world.users["leader01"], household_id=world.households[0].id, now=at("2026-11-26 10:00")
    )
    assert {c.resident.name for c in checks} == {"李建国", "王美华"}


async def test_household_of_another_group_gives_nothing(world):
    checks = await resident_checks(
        world.users["leader01"], household_id=world.households[3].id, now=at("2026-11-26 10:00")
    )
    assert checks == []


async def test_a_leader_without_groups_sees_nothing(world):
    await world.users["leader01"].building_groups.clear()
    assert await resident_checks(world.users["leader01"], now=at("2026-11-26 10:00")) == []


async def test_two_queries_whatever_the_number_of_residents(world, monkeypatch):
    from tortoise import Tortoise

    from server.models import Community

    leader = world.users["leader01"]
    community = await Community.get(id=leader.community_id)
    group_ids = [world.groups[0].id]
    for i in range(20):
        resident = await Resident.create(
            community=world.community, household=world.households[1], name=f"居民{i}", gender="F",
            birth_year=1940, care_flags=["watch"],
        )
        await log_visit(world, [resident], at("2026-11-20 09:00"))

    conn = Tortoise.get_connection("default")
    calls = []
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(conn, name)

        async def counting(*args, _original=original, **kwargs):
            calls.append(args[0])
            return await _original(*args, **kwargs)

        monkeypatch.setattr(conn, name, counting)
    checks = await resident_checks(leader, group_ids=group_ids, community=community, now=at("2026-11-26 10:00"))
    assert len(checks) == 23
    assert len(calls) == 2, calls
