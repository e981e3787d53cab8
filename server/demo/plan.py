"""The demo committee planned in Python, seeded: buildings, homes, residents, leaders and six months of visits."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from server.checks.rules import check_interval
from server.demo.figures import (
    HISTORY_DAYS,
    HOUSEHOLDS,
    LANES,
    QUIET_LEADERS,
    RESIDENTS,
    SEED,
)
from server.demo.notes import (
    NOTES,
    OLD_FEMALE,
    OLD_MALE,
    SEASONAL,
    VISITOR_NOTES,
    YOUNG_FEMALE,
    YOUNG_MALE,
)
from server.models import CareFlag, ReviewState, VisitStatus


@dataclass
class PlanResident:
    name: str
    gender: str
    birth_year: int
    phone: str | None = None
    care_flags: list[str] = field(default_factory=list)
    id: int | None = None

    def age(self, year: int) -> int:
        return year - self.birth_year


@dataclass
class PlanHousehold:
    group_number: int
    address: str
    room: str
    residents: list[PlanResident] = field(default_factory=list)
    visitor_notes: str = ""
    id: int | None = None


@dataclass
class PlanGroup:
    number: int
    name: str
    households: list[PlanHousehold] = field(default_factory=list)
    id: int | None = None


class _Names:
    """Chinese names from a seeded Faker, with a generation's flavour, unique within a home."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)

    def surname(self) -> str:
        return self.fake.last_name()

    def given(self, gender: str, age: int) -> str:
        if age >= 65 and self.rng.random() < 0.5:
            return self.rng.choice(OLD_MALE if gender == "M" else OLD_FEMALE)
        if age < 25 and self.rng.random() < 0.6:
            return self.rng.choice(YOUNG_MALE if gender == "M" else YOUNG_FEMALE)
        return self.fake.first_name_male() if gender == "M" else self.fake.first_name_female()

    def phone(self) -> str:
        return self.fake.phone_number()


def _group_plan(rng: random.Random) -> list[PlanGroup]:
    """60 buildings on the lanes, their flats (floor × flat number), summing to 2,076 homes."""
    groups, rooms_by_group = [], []
    number = 0
    for lane, buildings in LANES:
        for building in range(1, buildings + 1):
            number += 1
            floors, flats = rng.choice((5, 6, 6)), rng.choice((6, 6, 7))
            groups.append(PlanGroup(number, f"天山路{lane}弄{building}号"))
            rooms_by_group.append([f"{floor}{flat:02d}" for floor in range(1, floors + 1)
                                   for flat in range(1, flats + 1)])
    # Old buildings lose flats to shops, storage and merged homes: remove some at random.
    surplus = sum(map(len, rooms_by_group)) - HOUSEHOLDS
    assert surplus >= 0, "the lanes hold fewer flats than the demo needs"
    while surplus:
        rooms = rng.choice(rooms_by_group)
        if len(rooms) > 26:
            rooms.pop(rng.randrange(len(rooms)))
            surplus -= 1
    for group, rooms in zip(groups, rooms_by_group):
        group.households = [PlanHousehold(group.number, f"{group.name}{room}室", room) for room in rooms]
    return groups


def _household_sizes(rng: random.Random, count: int) -> list[int]:
    sizes = rng.choices((1, 2, 3, 4, 5, 6), weights=(16, 24, 29, 19, 8, 4), k=count)
    # Nudge homes chosen at random up or down until the committee has exactly its 6,248 residents.
    while (diff := RESIDENTS - sum(sizes)) != 0:
        i = rng.randrange(count)
        if diff > 0 and 2 <= sizes[i] <= 4:
            sizes[i] += 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
    return sizes


def _family(rng: random.Random, size: int) -> list[tuple[str, int, str]]:
    """(role, age, gender) for a home of this size: who lives together in an old lane."""
    r = rng.random

    def elderly(lo: int = 70) -> int:
        return rng.randint(lo, 96) if r() < 0.35 else rng.randint(lo, 86)

    def couple(lo: int, hi: int) -> list[tuple[str, int, str]]:
        husband = rng.randint(lo, hi)
        return [("head", husband, "M"), ("spouse", max(lo - 3, husband - rng.randint(0, 5)), "F")]

    def child(parent_age: int, lo: int = 0) -> tuple[str, int, str]:
        return ("child", max(lo, parent_age - rng.randint(25, 34)), rng.choice("MF"))

    if size == 1:
        x = r()
        age = elderly() if x < 0.65 else rng.randint(60, 69) if x < 0.8 else rng.randint(22, 59)
        return [("head", age, "F" if r() < 0.65 else "M")]
    if size == 2:
        x = r()
        if x < 0.5:
            return couple(68, 90)
        if x < 0.64:
            return couple(55, 69)
        if x < 0.85:
            return couple(26, 54)
        parent = elderly(72)  # a widowed parent and the grown-up child who stayed
        return [("parent", parent, "F" if r() < 0.7 else "M"), child(parent, 40)]
    if size == 3:
        x = r()
        if x < 0.52:
            people = couple(30, 48)
            return people + [child(people[0][1])]
        if x < 0.78:
            people = couple(50, 65)
            return people + [child(people[0][1], 20)]
        people = couple(45, 62)
        return [("parent", elderly(72), "F" if r() < 0.7 else "M")] + people
    people = couple(30, 46)
    people.append(child(people[0][1]))
    if size >= 5 or r() < 0.65:  # grandparents help raise the child
        grand = couple(58, 84)
        people += [("parent", age, gender) for _, age, gender in (grand if size >= 5 else grand[:1])]
    while len(people) < size:
        people.append(child(people[0][1]))
    return people[:size]


def _care_flags(rng: random.Random, age: int, home_size: int) -> list[str]:
    flags = []
    if age >= 80:
        flags.append(CareFlag.AGE_80_PLUS.value)
    if home_size == 1 and (age >= 70 and rng.random() < 0.9 or 60 <= age < 70 and rng.random() < 0.4):
        flags.append(CareFlag.LIVES_ALONE.value)
    if rng.random() < (0.07 if age >= 70 else 0.02 if age >= 18 else 0.01):
        flags.append(CareFlag.DISABLED.value)
    if rng.random() < (0.3 if age >= 70 else 0.12 if age >= 60 else 0.02 if age >= 30 else 0):
        flags.append(CareFlag.CHRONIC_ILLNESS.value)
    alone_and_old = CareFlag.LIVES_ALONE.value in flags and age >= 80
    if rng.random() < (0.12 if alone_and_old else 0.03 if age >= 70 else 0.003):
        flags.append(CareFlag.WATCH.value)
    return flags


def population(rng: random.Random, year: int) -> list[PlanGroup]:
    groups = _group_plan(rng)
    names = _Names(rng)
    households = [h for g in groups for h in g.households]
    for household, size in zip(households, _household_sizes(rng, len(households))):
        family_name = names.surname()
        taken: set[str] = set()
        for role, age, gender in _family(rng, size):
            # Wives keep their own surname; children take the family's, and so does a grandfather
            # on the father's side (in Shanghai often the mother's parents live in instead).
            paternal = role == "parent" and gender == "M" and rng.random() < 0.6
            surname = family_name if role in ("head", "child") or paternal else names.surname()
            name = surname + names.given(gender, age)
            while name in taken:  # two 王伟 in one flat would confuse the leader (and the demo)
                name = surname + names.given(gender, age)
            taken.add(name)
            has_phone = 18 <= age < 80 and rng.random() < 0.15
            household.residents.append(PlanResident(
                name=name, gender=gender, birth_year=year - age,
                phone=names.phone() if has_phone else None,
                care_flags=_care_flags(rng, age, size),
            ))
        # 困难 is the household's situation; the committee follows it up through the first person.
        if rng.random() < (0.06 if size == 1 else 0.025):
            household.residents[0].care_flags.append(CareFlag.HARDSHIP.value)
        old = any(p.age(year) >= 75 for p in household.residents)
        if rng.random() < (0.25 if old else 0.04):
            household.visitor_notes = rng.choice(VISITOR_NOTES)
    return groups


def choose_leaders(rng: random.Random, groups: list[PlanGroup], year: int) -> list[str]:
    """Each leader is a retired resident of the building they look after."""
    names = []
    for group in groups:
        people = [p for h in group.households for p in h.residents]
        candidates = [p.name for p in people if 58 <= p.age(year) <= 75] or [p.name for p in people]
        names.append(rng.choice(candidates))
    return names


# ---------------------------------------------------------------- six months of visits


@dataclass
class PlanVisit:
    household: PlanHousehold
    kind: str
    days_ago: int
    seen: list[PlanResident]
    status: str = VisitStatus.OK.value
    notes: str = ""
    follow_up_days: int | None = None  # due this many days after the visit
    review_state: str = ReviewState.NEW.value


def _visit_days(rng: random.Random, interval: int, overdue_share: float) -> list[int]:
    """Days ago of a home's elderly checks: the last one decides whether it is due now."""
    x = rng.random()
    if x < overdue_share:  # the leader has fallen behind here
        last = rng.randint(interval + 1, interval * 2)
    elif x < overdue_share + 0.12:  # due about now
        last = rng.randint(max(0, interval - 2), interval)
    else:
        last = rng.randint(0, max(0, interval - 3))
    days, day = [], last
    while day < HISTORY_DAYS:
        days.append(day)
        day += max(2, round(interval * rng.uniform(0.9, 1.4)))
    return days


def visit_plan(rng: random.Random, groups: list[PlanGroup], rules: dict[str, int], today: date) -> list[PlanVisit]:
    visits: list[PlanVisit] = []
    # Two leaders have not synced for a week or so (a phone left in a drawer): the monthly
    # meeting's "quiet leaders" list and their overdue checks should show it.
    quiet = {number: rng.randint(5, 12) for number in rng.sample(range(1, len(groups) + 1), QUIET_LEADERS)}
    for group in groups:
        # Some leaders keep up, a few fall behind: the office should see who needs help.
        overdue_share = rng.choice((0.03, 0.05, 0.06, 0.08, 0.1, 0.12, 0.3))
        start = len(visits)
        for household in group.households:
            people = household.residents
            flagged = [p for p in people if p.care_flags]
            interval = min((i for p in flagged if (i := check_interval(p.care_flags, rules))), default=None)
            if interval:
                for day in _visit_days(rng, interval, overdue_share):
                    kind = "elderly_check" if rng.random() < 0.85 else "routine"
                    # The others at home are usually seen too; the flagged ones always.
                    seen = flagged + [p for p in people if not p.care_flags and rng.random() < 0.3]
                    visits.append(PlanVisit(household, kind, day, seen))
            for _ in range(sum(rng.random() < 0.3 for _ in range(3 if not flagged else 1))):
                visits.append(PlanVisit(household, "routine", rng.randrange(HISTORY_DAYS),
                                        rng.sample(people, rng.randint(1, min(3, len(people))))))
            for kind, chance in (("safety", 0.17), ("assistance", 0.12), ("mediation", 0.06), ("other", 0.06)):
                if rng.random() < chance * (1.5 if flagged and kind == "assistance" else 1):
                    visits.append(PlanVisit(household, kind, rng.randrange(HISTORY_DAYS),
                                            rng.sample(people, rng.randint(1, min(2, len(people))))))
        if group.number in quiet:
            shifted = [v for v in visits[start:] if v.days_ago + quiet[group.number] < HISTORY_DAYS]
            for v in shifted:
                v.days_ago += quiet[group.number]
            visits[start:] = shifted
    for visit in visits:
        _outcome(rng, visit, today)
    return visits


def _outcome(rng: random.Random, visit: PlanVisit, today: date) -> None:
    """Status, note, follow-up and the office's review, as they would be by now."""
    fragile = any(f in p.care_flags for p in visit.seen for f in ("watch", "disabled", "lives_alone"))
    concern, urgent = {
        "elderly_check": (0.1 if fragile else 0.06, 0.006),
        "routine": (0.03, 0.001), "mediation": (0.55, 0.03), "safety": (0.15, 0.02),
        "assistance": (0.35, 0.01), "other": (0.05, 0.0),
    }[visit.kind]
    x = rng.random()
    visit.status = "urgent" if x < urgent else "concern" if x < urgent + concern else "ok"
    month = (today - timedelta(days=visit.days_ago)).month
    notes = [n for n in NOTES[(visit.kind, visit.status)] if month in SEASONAL.get(n, (month,))]
    visit.notes = rng.choice(notes)
    if visit.status == "urgent":
        follow_up = True
    elif visit.status == "concern":
        follow_up = rng.random() < 0.6
    else:
        follow_up = rng.random() < (0.4 if visit.kind == "assistance" else 0.01)
    if follow_up:
        visit.follow_up_days = 1 if visit.status == "urgent" else rng.randint(3, 14)
    age = visit.days_ago
    if follow_up:
        states = ((0.0, 0.02, 0.08, 0.9) if age > 30 else (0.0, 0.15, 0.35, 0.5) if age > 7
                  else (0.45, 0.3, 0.2, 0.05))
    else:
        states = (0.0, 0.85, 0.0, 0.15) if age > 14 else (0.55, 0.45, 0.0, 0.0)
    visit.review_state = rng.choices(
        ("new", "acknowledged", "in_progress", "resolved"), weights=states)[0]
