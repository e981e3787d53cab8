"""Loading the demo committee (`--demo`) in one transaction: all of it, or nothing."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from server.auth.passwords import DEMO_PASSWORD, hash_password
from server.core.clock import local_now
from server.demo.figures import (
    BATCH,
    COMMUNITY_NAME,
    GROUPS,
    HISTORY_DAYS,
    HOUSEHOLDS,
    LEADERS,
    NAMESPACE,
    RESIDENTS,
    SEED,
    STAFF,
    SUBDISTRICT,
    DemoError,
    DemoSummary,
)
from server.demo.notes import OFFICE_DONE, OFFICE_STEPS
from server.demo.plan import (
    PlanGroup,
    PlanVisit,
    choose_leaders,
    population,
    visit_plan,
)
from server.demo.tasks import write_demo_tasks
from server.models import (
    BuildingGroup,
    Community,
    DeviceSession,
    Household,
    Resident,
    ReviewEventKind,
    ReviewState,
    Role,
    User,
    Visit,
    VisitResident,
    VisitReviewEvent,
    VisitRevision,
    VisitStatus,
)
from server.settings import get_settings
from sync.validate import parse_visit_data


def _say(progress: bool, started: float, text: str) -> None:
    if progress:
        print(f"  {text} ({time.perf_counter() - started:.1f} s)", flush=True)


async def _counts(community: Community, started: float, loaded: bool) -> DemoSummary:
    return DemoSummary(
        groups=await BuildingGroup.filter(community=community).count(),
        households=await Household.filter(community=community).count(),
        residents=await Resident.filter(community=community).count(),
        visits=await Visit.filter(community=community).count(),
        users=await User.filter(community=community).count(),
        seconds=round(time.perf_counter() - started, 2),
        loaded=loaded,
    )


async def demo_present() -> bool:
    # By the marker the loader writes, never by the name: a real committee may carry it.
    return await Community.filter(is_demo=True).exists()


async def _already_there(community: Community, started: float, progress: bool) -> DemoSummary:
    _say(progress, started, "演示居委已存在，未做改动 / demo committee already present, nothing changed")
    return await _counts(community, started, loaded=False)


async def load_demo(progress: bool = False) -> DemoSummary:
    """Load the demo committee unless it is already there; one transaction, so all or nothing."""
    started = time.perf_counter()
    if existing := await Community.get_or_none(is_demo=True):  # the common case: nothing to do
        return await _already_there(existing, started, progress)
    now = local_now()
    rng = random.Random(SEED)
    groups = population(rng, now.year)
    leader_names = choose_leaders(rng, groups, now.year)
    _say(progress, started, f"生成居民 / residents generated: {RESIDENTS}")
    # One hash for all 62 accounts: argon2 is slow on purpose, and they share one password.
    password_hash = hash_password(DEMO_PASSWORD)

    async with in_transaction() as conn:
        if conn.capabilities.dialect == "postgres":
            # Two app processes starting with --demo at once must not load it twice.
            await conn.execute_query("SELECT pg_advisory_xact_lock(hashtext('louzu-demo'))")
        if existing := await Community.get_or_none(is_demo=True):  # loaded meanwhile
            return await _already_there(existing, started, progress)
        # The demo accounts' password is public: they must never sit beside real data.
        if await Community.exists():
            raise DemoError("数据库里已有其他居委会的数据：演示数据只能载入空数据库，请换一个 DATA_DIR 或 DATABASE_URL。")
        taken = await User.filter(username__in=LEADERS + [u for u, _, _ in STAFF]).values_list("username", flat=True)
        if taken:
            raise DemoError(f"账号 {', '.join(sorted(taken))} 已存在：演示数据只能载入空数据库。")

        community = await Community.create(name=COMMUNITY_NAME, subdistrict=SUBDISTRICT, is_demo=True)
        await _write_population(community, groups)
        _say(progress, started, f"楼组 / groups {GROUPS}, 户 / households {HOUSEHOLDS}, 居民 / residents {RESIDENTS}")
        users = await _write_users(community, leader_names, password_hash)
        _say(progress, started, f"账号 / accounts {len(users)}")
        plan = visit_plan(rng, groups, community.rules(), now.date())
        await _write_visits(community, plan, users, now)
        _say(progress, started, f"走访记录 / visits {len(plan)}")
        await write_demo_tasks(community, users, now, NAMESPACE)
        summary = await _counts(community, started, loaded=True)
    _say(progress, started, "演示数据已载入 / demo data loaded")
    return summary


async def _write_population(community: Community, groups: list[PlanGroup]) -> None:
    # bulk_create leaves integer ids unset, so each level reads its ids back by a natural key.
    await BuildingGroup.bulk_create(
        [BuildingGroup(community=community, number=g.number, name=g.name) for g in groups], batch_size=BATCH
    )
    ids = dict(await BuildingGroup.filter(community=community).values_list("number", "id"))
    for group in groups:
        group.id = ids[group.number]
    households = [h for g in groups for h in g.households]
    await Household.bulk_create(
        [Household(community=community, building_group_id=ids[h.group_number], address=h.address, room=h.room,
                   visitor_notes=h.visitor_notes) for h in households],
        batch_size=BATCH,
    )
    ids = dict(await Household.filter(community=community).values_list("address", "id"))
    for household in households:
        household.id = ids[household.address]
    await Resident.bulk_create(
        [Resident(community=community, household_id=h.id, name=p.name, gender=p.gender, birth_year=p.birth_year,
                  phone=p.phone, care_flags=p.care_flags) for h in households for p in h.residents],
        batch_size=BATCH,
    )
    rows = await Resident.filter(community=community).values_list("household_id", "name", "id")
    ids = {(household_id, name): id_ for household_id, name, id_ in rows}
    for household in households:
        for person in household.residents:
            person.id = ids[(household.id, person.name)]


async def _write_users(community, leader_names, password_hash) -> dict[str, User]:
    """The 62 accounts, by username; leaderNN looks after building group NN."""
    accounts = [(u, Role.LEADER, n) for u, n in zip(LEADERS, leader_names)] + list(STAFF)
    await User.bulk_create(
        [User(community=community, username=u, display_name=n, role=r, password_hash=password_hash)
         for u, r, n in accounts],
        batch_size=BATCH,
    )
    users = {u.username: u for u in await User.filter(community=community)}
    group_by_number = {g.number: g for g in await BuildingGroup.filter(community=community)}
    for number, username in enumerate(LEADERS, start=1):
        await users[username].building_groups.add(group_by_number[number])
    return users


def _at(rng: random.Random, day: date, now: datetime) -> datetime:
    """A visit time on that day, in daytime hours, mornings busier; never in the future."""
    hour = rng.choices((8, 9, 10, 11, 13, 14, 15, 16, 17, 18), weights=(6, 14, 14, 10, 5, 9, 10, 9, 5, 3))[0]
    moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=now.tzinfo)
    while moment > now - timedelta(minutes=20):
        moment -= timedelta(days=1)
    return moment


async def _write_visits(community, plan: list[PlanVisit], users: dict[str, User], now: datetime) -> None:
    rng = random.Random(SEED + 1)
    office = users["office"]
    visits, seen_rows, revisions, events = [], [], [], []
    counters: dict[str, int] = {}
    last_sync: dict[str, datetime] = {}
    for item in plan:
        household = item.household
        author = users[LEADERS[household.group_number - 1]]
        occurred = _at(rng, now.date() - timedelta(days=item.days_ago), now)
        client_time = occurred + timedelta(minutes=rng.randint(1, 15))
        # Most entries sync in minutes; some wait on the phone until the leader is back in signal.
        delay = timedelta(minutes=rng.randint(0, 5)) if rng.random() < 0.8 else timedelta(hours=rng.randint(1, 20))
        received = min(client_time + delay, now)
        last_sync[author.username] = max(received, last_sync.get(author.username, received))
        due = occurred.date() + timedelta(days=item.follow_up_days) if item.follow_up_days else None
        # What a phone would push, normalised and hashed by the ingest's own code: a demo visit
        # is then indistinguishable from a synced one (same stored data, same content_hash).
        data = parse_visit_data({
            "household_id": household.id,
            "resident_ids": [p.id for p in item.seen],
            "kind": item.kind,
            "occurred_at": occurred.isoformat(timespec="seconds"),
            "status": item.status,
            "notes": item.notes,
            "follow_up_needed": due is not None,
            "follow_up_due": due.isoformat() if due else None,
        }, creating=True, zone=now.tzinfo)
        digest, resident_ids = data.content_hash(), list(data.resident_ids)
        counters[household.address] = counters.get(household.address, 0) + 1
        visit_id = uuid.uuid5(NAMESPACE, f"visit:{household.address}:{counters[household.address]}")
        device_id = _device_id(author.username)
        history = _office_review(rng, visit_id, item, received, office, now)
        assigned = any(e.kind == ReviewEventKind.FOLLOW_UP.value for e in history)
        events += history
        visits.append(Visit(
            id=visit_id, community=community, household_id=household.id, author_id=author.id, device_id=device_id,
            kind=data.kind, status=data.status, occurred_at=data.occurred_at, client_time=client_time,
            received_at=received, notes=data.notes, follow_up_needed=data.follow_up_needed,
            follow_up_due=data.follow_up_due, resident_ids=resident_ids, version=1, content_hash=digest,
            review_state=item.review_state, follow_up_assignee_id=office.id if assigned else None,
        ))
        seen_rows += [VisitResident(visit_id=visit_id, resident_id=rid, occurred_at=data.occurred_at, kind=data.kind)
                      for rid in resident_ids]
        revisions.append(VisitRevision(
            visit_id=visit_id, op="create", base_version=None, version=1, outcome="applied",
            content_hash=digest, data=data.to_json(), author_id=author.id, device_id=device_id,
            client_time=client_time, received_at=received,
        ))
    await Visit.bulk_create(visits, batch_size=BATCH)
    await VisitResident.bulk_create(seen_rows, batch_size=BATCH)
    await VisitRevision.bulk_create(revisions, batch_size=BATCH)
    await VisitReviewEvent.bulk_create(events, batch_size=BATCH)
    await DeviceSession.bulk_create(
        [_phone_session(rng, users[name], synced, now) for name, synced in sorted(last_sync.items())],
        batch_size=BATCH,
    )


def _device_id(username: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"device:{username}"))


def _office_review(rng, visit_id, item: PlanVisit, received: datetime, office: User, now: datetime) -> list:
    """The office's history of a visit, ending in its review_state, the way review.py writes it."""
    if item.review_state == ReviewState.NEW.value:
        return []
    at = _office_hours(rng, received, 0, now)

    def event(kind: str, when: datetime, **fields) -> VisitReviewEvent:
        return VisitReviewEvent(visit_id=visit_id, actor_id=office.id, kind=kind, at=when, **fields)

    def state(from_state: str, to_state: str, when: datetime, comment: str = "") -> VisitReviewEvent:
        return event(ReviewEventKind.STATE.value, when, from_state=from_state, to_state=to_state, comment=comment)

    target = item.review_state
    # Closing a follow-up or an urgent case needs a comment saying what was done (review.py).
    needs_work = item.follow_up_days is not None or item.status == VisitStatus.URGENT.value
    if target == "acknowledged" or (target == "resolved" and not needs_work):
        return [state("new", target, at)]
    history = []
    if item.follow_up_days is not None:
        history.append(event(ReviewEventKind.FOLLOW_UP.value, at, detail={
            "assignee": {"from": None, "to": office.id}, "assignee_name": office.display_name}))
    history.append(state("new", "in_progress", at, rng.choice(("", *OFFICE_STEPS[item.kind]))))
    if target == "resolved":
        closed = _office_hours(rng, at, rng.randint(1, 10), now)
        history.append(state("in_progress", "resolved", closed, rng.choice(OFFICE_DONE[item.kind])))
    return history


def _office_hours(rng: random.Random, after: datetime, days: int, now: datetime) -> datetime:
    """An office-hours moment (Shanghai 9:00–17:00) `days` after `after`, never in the future."""
    local = after.astimezone(now.tzinfo) + timedelta(days=days)
    moment = local.replace(hour=rng.randint(9, 16), minute=rng.randrange(60), second=0, microsecond=0)
    if moment <= after:
        moment += timedelta(days=1)
    return min(moment, now)


def _phone_session(rng, leader: User, synced: datetime, now: datetime) -> DeviceSession:
    """Each leader's phone, last synced with their latest entry (a few leaders have gone quiet).

    The token hash is random: no cookie can ever match it, so the session only shows, it never logs in.
    """
    return DeviceSession(
        token_hash=secrets.token_hex(32), user_id=leader.id, csrf_token=secrets.token_urlsafe(32),
        device_label=rng.choice(("Android 手机", "Android 手机", "iPhone")), device_id=_device_id(leader.username),
        created_at=now - timedelta(days=HISTORY_DAYS + rng.randint(1, 30)), last_seen_at=synced, last_sync_at=synced,
        expires_at=synced + timedelta(days=get_settings().session_days),
    )
