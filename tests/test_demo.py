"""The demo committee: the real committee's figures, its people, six months of visits, loaded once."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from tortoise import Tortoise

from server import demo
from server.auth.passwords import DEMO_PASSWORD, verify_password
from server.checks.rules import CheckState, resident_checks
from server.core.clock import local_zone
from server.demo.figures import SEED
from server.demo.plan import population
from server.models import (
    BuildingGroup,
    Community,
    DeviceSession,
    Household,
    QuestionAnswer,
    Resident,
    Role,
    RosterChange,
    User,
    Visit,
    VisitQuestion,
    VisitResident,
    VisitReviewEvent,
    VisitRevision,
)
from sync.validate import parse_visit_data
from tests.conftest import _empty_all_tables

TABLES = [Community, BuildingGroup, Household, Resident, User, Visit, VisitResident, VisitRevision,
          VisitReviewEvent, DeviceSession, VisitQuestion, QuestionAnswer, RosterChange]


async def _row_counts() -> dict[str, int]:
    counts = {model.__name__: await model.all().count() for model in TABLES}
    conn = Tortoise.get_connection("default")
    counts["user_building_group"] = (await conn.execute_query_dict(
        'SELECT COUNT(*) AS n FROM "user_building_group"'))[0]["n"]
    return counts


@pytest.fixture(scope="module")
async def loaded(database):
    """The demo loaded once for this module (the `db` fixture would empty it before each test)."""
    await _empty_all_tables()
    first = await demo.load_demo(progress=True)
    print(f"demo load: {first.seconds:.2f} s ({first.visits} visits)")
    before = await _row_counts()
    second = await demo.load_demo()
    yield first, second, before, await _row_counts()
    # Leave no public-password accounts behind for a server another test may start.
    await _empty_all_tables()


@pytest.fixture(scope="module")
async def community(loaded) -> Community:
    return await Community.get(name=demo.COMMUNITY_NAME)


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def test_the_committee_has_the_real_figures(loaded, community):
    first, _, _, _ = loaded
    assert (first.groups, first.households, first.residents, first.users) == (60, 2076, 6248, 62)
    assert first.loaded and first.seconds > 0
    assert community.subdistrict == "天山路街道"
    assert await BuildingGroup.filter(community=community).count() == 60
    assert await Household.filter(community=community).count() == 2076
    assert await Resident.filter(community=community).count() == 6248
    roles = Counter(await User.filter(community=community).values_list("role", flat=True))
    assert roles == {Role.LEADER: 60, Role.OFFICE: 1, Role.ADMIN: 1}


async def test_addresses_are_on_tianshan_road_lanes(community):
    names = await BuildingGroup.filter(community=community).order_by("number").values_list("number", "name")
    assert [n for n, _ in names] == list(range(1, 61))
    assert all(re.fullmatch(r"天山路6\d\d弄\d+号", name) for _, name in names)
    assert len({name for _, name in names}) == 60
    rows = await Household.filter(community=community).values_list("address", "room", "building_group__name")
    for address, room, group_name in rows:
        assert re.fullmatch(r"[1-7]0[1-7]", room)
        assert address == f"{group_name}{room}室"
    assert len({address for address, _, _ in rows}) == 2076
    notes = [n for n in await Household.filter(community=community).values_list("visitor_notes", flat=True) if n]
    assert 50 < len(notes) < 600 and "按门铃两次" in notes


async def test_about_a_fifth_of_residents_are_seventy_or_older(community):
    year = _now().astimezone(local_zone()).year
    rows = await Resident.filter(community=community).values_list("name", "gender", "birth_year", "care_flags")
    ages = [year - birth for _, _, birth, _ in rows]
    share = sum(age >= 70 for age in ages) / len(ages)
    print(f"70 or older: {share:.1%}")
    assert 0.17 <= share <= 0.23
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) for name, _, _, _ in rows)
    assert {gender for _, gender, _, _ in rows} == {"M", "F"}
    # 高龄 is exactly everyone 80 or older this year.
    for _, _, birth, flags in rows:
        assert ("age_80_plus" in flags) == (year - birth >= 80)
    flag_counts = Counter(flag for *_, flags in rows for flag in flags)
    for flag in ("lives_alone", "disabled", "hardship", "chronic_illness", "watch"):
        assert 20 <= flag_counts[flag] <= 800, (flag, flag_counts)


async def test_those_living_alone_are_older_people_alone_in_their_flat(community):
    year = _now().astimezone(local_zone()).year
    rows = await Resident.filter(community=community).values_list("household_id", "birth_year", "care_flags")
    alone = [(household, birth) for household, birth, flags in rows if "lives_alone" in flags]
    sizes = Counter(await Resident.filter(community=community).values_list("household_id", flat=True))
    assert alone
    assert all(sizes[household] == 1 and year - birth >= 60 for household, birth in alone)


async def test_every_leader_leads_their_own_building_group(community):
    leaders = await User.filter(community=community, role=Role.LEADER).prefetch_related("building_groups")
    assert sorted(u.username for u in leaders) == [f"leader{n:02d}" for n in range(1, 61)]
    for user in leaders:
        assert [g.number for g in user.building_groups] == [int(user.username[-2:])]
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", user.display_name)
    staff = await User.filter(community=community, role__in=[Role.OFFICE, Role.ADMIN]).prefetch_related(
        "building_groups")
    assert sorted(u.username for u in staff) == ["admin", "office"]
    assert all(not list(u.building_groups) for u in staff)


async def test_the_demo_password_opens_every_demo_account(community, settings):
    import httpx

    from server.app import create_app

    hashes = set(await User.filter(community=community).values_list("password_hash", flat=True))
    assert len(hashes) == 1  # hashed once for all 62 accounts
    assert verify_password(hashes.pop(), DEMO_PASSWORD)
    app = create_app(settings, manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        for username in ("leader01", "leader60", "office", "admin"):
            response = await client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 200, (username, response.text)


async def test_six_months_of_visits_end_today(community):
    now = _now()
    first = await Visit.filter(community=community).order_by("occurred_at").first()
    last = await Visit.filter(community=community).order_by("-occurred_at").first()
    count = await Visit.filter(community=community).count()
    print(f"visits: {count}, from {first.occurred_at:%Y-%m-%d} to {last.occurred_at:%Y-%m-%d}")
    assert 9_000 <= count <= 11_500
    assert timedelta(days=170) <= now - first.occurred_at <= timedelta(days=185)
    assert now - last.occurred_at <= timedelta(days=2)
    assert await Visit.filter(community=community, occurred_at__gt=now).count() == 0
    kinds = Counter(await Visit.filter(community=community).values_list("kind", flat=True))
    assert kinds.most_common(2)[0][0] == "elderly_check" and set(kinds) == {
        "elderly_check", "routine", "safety", "assistance", "mediation", "other"}
    statuses = Counter(await Visit.filter(community=community).values_list("status", flat=True))
    assert statuses["ok"] > 0.8 * count and statuses["concern"] > 0.03 * count
    assert 5 <= statuses["urgent"] <= 0.02 * count


async def test_every_visit_saw_residents_of_its_own_household(community):
    visits = {v.id: v for v in await Visit.filter(community=community)}
    seen = await VisitResident.filter(visit__community=community).values_list(
        "visit_id", "resident_id", "resident__household_id", "occurred_at", "kind")
    by_visit: dict = {}
    for visit_id, resident_id, household_id, occurred_at, kind in seen:
        visit = visits[visit_id]
        assert household_id == visit.household_id
        assert (occurred_at, kind) == (visit.occurred_at, visit.kind)
        by_visit.setdefault(visit_id, set()).add(resident_id)
    assert all(by_visit.get(v.id) == set(v.resident_ids) and v.resident_ids for v in visits.values())


async def test_each_visit_looks_like_one_synced_from_a_phone(community):
    visits = {v.id: v for v in await Visit.filter(community=community)}
    revisions = await VisitRevision.filter(visit__community=community)
    assert len(revisions) == len(visits)
    leader_of = dict(await BuildingGroup.filter(community=community).values_list("id", "leaders__id"))
    group_of = dict(await Household.filter(community=community).values_list("id", "building_group_id"))
    for revision in revisions:
        visit = visits[revision.visit_id]
        assert (revision.op, revision.version, revision.outcome) == ("create", 1, "applied")
        assert revision.base_version is None and visit.version == 1
        # The ingest's own normalisation and hash give back exactly what is stored.
        data = parse_visit_data(revision.data, creating=True, zone=local_zone())
        assert data.to_json() == revision.data
        assert data.content_hash() == revision.content_hash == visit.content_hash
        assert (data.household_id, list(data.resident_ids), data.occurred_at) == (
            visit.household_id, visit.resident_ids, visit.occurred_at)
        assert visit.author_id == revision.author_id == leader_of[group_of[visit.household_id]]
        assert visit.occurred_at <= visit.client_time <= visit.received_at
        if visit.follow_up_needed:
            assert visit.follow_up_due >= visit.occurred_at.astimezone(local_zone()).date()


async def test_the_office_has_reviewed_the_older_visits(community):
    now = _now()
    rows = await Visit.filter(community=community).values_list("occurred_at", "review_state", "follow_up_needed")
    old = Counter(state for at, state, _ in rows if now - at > timedelta(days=31))
    recent = Counter(state for at, state, _ in rows if now - at < timedelta(days=7))
    assert old["new"] == 0 and old["resolved"] > 0 and old["acknowledged"] > old["resolved"]
    assert recent["new"] > 0
    open_follow_ups = [1 for _, state, needed in rows if needed and state != "resolved"]
    assert 10 <= len(open_follow_ups) <= 400
    # Every state the office set has its history, ending in that state.
    events = await VisitReviewEvent.filter(visit__community=community, kind="state").order_by("id").values_list(
        "visit_id", "to_state")
    final = dict(events)
    states = dict(await Visit.filter(community=community).values_list("id", "review_state"))
    assert all(final.get(vid, "new") == state for vid, state in states.items())


async def test_most_checks_are_current_but_some_are_due_or_overdue(community):
    states: Counter = Counter()
    for leader in await User.filter(community=community, role=Role.LEADER):
        states.update(check.state for check in await resident_checks(leader, community=community))
    total = sum(states.values())
    print(f"elderly checks: {dict(states)}")
    assert total > 500
    assert states[CheckState.OK] > 0.6 * total
    assert 0.03 * total <= states[CheckState.OVERDUE] <= 0.25 * total
    assert states[CheckState.DUE] > 0


async def test_a_couple_of_leaders_have_gone_quiet(community):
    now = _now()
    synced = await DeviceSession.filter(user__community=community, last_sync_at__isnull=False).values_list(
        "user__username", "last_sync_at")
    assert sorted(name for name, _ in synced) == [f"leader{n:02d}" for n in range(1, 61)]
    quiet = [name for name, at in synced if now - at > timedelta(days=3)]
    assert 2 <= len(quiet) <= 6


async def test_loading_again_changes_nothing(loaded):
    first, second, before, after = loaded
    assert not second.loaded
    assert (second.groups, second.households, second.residents, second.visits, second.users) == (
        first.groups, first.households, first.residents, first.visits, first.users)
    assert after == before


def test_the_same_committee_every_time():
    year = 2026
    one, two = population(random.Random(SEED), year), population(random.Random(SEED), year)
    flat = lambda groups: [(h.address, [(p.name, p.birth_year, p.care_flags) for p in h.residents])  # noqa: E731
                           for g in groups for h in g.households]
    assert flat(one) == flat(two)


async def test_there_is_something_sent_back_and_some_roster_changes_to_decide(community):
    from server.models import QuestionState, RosterChangeState
    from sync.answer import AnswerData

    leader01 = await User.get(username="leader01")
    waiting = await VisitQuestion.filter(community=community, state=QuestionState.OPEN, visit__author_id=leader01.id)
    assert waiting, "leader01 has a question from the office on the home screen"
    for answer in await QuestionAnswer.filter(question__community_id=community.id).select_related("question"):
        assert answer.question.state == QuestionState.ANSWERED
        assert answer.content_hash == AnswerData(answer.question_id, answer.text).content_hash()
    pending = await RosterChange.filter(community=community, state=RosterChangeState.PENDING).count()
    decided = await RosterChange.filter(community=community).exclude(state=RosterChangeState.PENDING).count()
    assert pending >= 2 and decided >= 1


# Last in the module: the `world` fixture empties the tables the tests above read.
async def test_the_demo_never_joins_real_data(world):
    with pytest.raises(demo.DemoError, match="已有其他居委会"):
        await demo.load_demo()
    assert not await demo.demo_present()
    assert await User.filter(username="leader03").count() == 0

