"""The demo committee (`--demo`): a fictional 居委会 on a real one's figures, loaded in one go."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from faker import Faker
from tortoise.transactions import in_transaction

from server.auth.passwords import DEMO_PASSWORD, hash_password
from server.checks import check_interval
from server.demo_tasks import write_demo_tasks
from server.models import (
    BuildingGroup, CareFlag, Community, DeviceSession, Household, ReviewEventKind, ReviewState, Resident, Role,
    User, Visit, VisitResident, VisitReviewEvent, VisitRevision, VisitStatus,
)
from server.settings import get_settings
from sync.validate import parse_visit_data

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


# ---------------------------------------------------------------- words the demo speaks

# Older Shanghainese and younger given names: Faker's list alone sounds one generation.
OLD_MALE = "根宝 福根 金根 荣根 德明 国华 永康 振华 德兴 阿毛 文彬 志刚 宝兴 林生 惠民 家驹".split()
OLD_FEMALE = "根娣 杏娣 招娣 金娣 彩娣 美娣 宝珍 凤珍 佩芳 静芬 惠珍 素珍 月英 雅琴 阿囡 秀娟".split()
YOUNG_MALE = "子轩 浩然 宇航 思远 一鸣 俊杰 天佑 博文 嘉豪 梓睿".split()
YOUNG_FEMALE = "梓涵 欣怡 雨桐 一诺 诗涵 思琪 佳怡 语嫣 可馨 若曦".split()

VISITOR_NOTES = (
    "按门铃两次", "老人耳背，请大声敲门", "白天家里没人，晚上7点后在", "家里有狗，敲门后稍等",
    "请先打电话再上门", "老人行动慢，敲门后多等一会儿", "门铃坏了，请敲门", "下午午睡，请上午来",
    "上午在社区食堂吃饭，下午在家", "女儿周末来，平时老人独自在家", "楼道灯坏了，晚上注意脚下",
)

# Notes that only make sense in some months (a November visit does not mention the heat).
SEASONAL = {
    "提醒天热多喝水，空调正常": (6, 7, 8, 9), "发放高温慰问品": (7, 8), "提醒注意保暖": (11, 12, 1, 2, 3),
}

# Short notes the way leaders write them, by (kind, status).
NOTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("elderly_check", "ok"): (
        "血压正常，精神好", "身体还可以，自己做饭", "聊了一会儿，心情不错", "女儿刚来过，冰箱里有菜",
        "腿脚还行，每天下楼散步", "按时吃药，饭量正常", "老人在看电视，一切安好", "提醒注意保暖",
        "提醒天热多喝水，空调正常", "刚配药回来，状态可以", "老伴陪着，一切都好", "今天精神比上次好",
        "一切安好", "",
    ),
    ("elderly_check", "concern"): (
        "最近睡眠不好，建议家庭医生上门看看", "说头晕，提醒按时量血压", "腿脚不便，下楼困难，想申请助餐",
        "记性差了，煤气忘关过一次，建议装报警器", "情绪低落，话比以前少，需要多来看看",
        "膝盖疼，买菜困难，想找人帮忙", "药快吃完了，子女这周没空配药", "卫生间地滑，建议装扶手",
        "前几天在家摔了一跤，没有大碍，需关注",
    ),
    ("elderly_check", "urgent"): (
        "敲门无人应答，电话不通，已联系家属", "老人在家摔倒，已拨打120并通知家属",
        "发烧不退，已联系家属送医", "老人意识不太清楚，已叫救护车",
    ),
    ("routine", "ok"): (
        "一切正常", "发放防诈骗宣传资料", "了解家庭近况，无特殊需求", "提醒楼道不要堆放杂物",
        "登记了新的联系电话", "通知下周社区义诊", "宣传垃圾分类", "", "",
    ),
    ("routine", "concern"): (
        "楼道堆物较多，有消防隐患", "家里漏水，需要联系物业", "出租屋住户信息需要更新", "邻居反映夜间噪音",
    ),
    ("routine", "urgent"): ("楼道里闻到焦味，已查看并通知物业",),
    ("mediation", "ok"): ("双方已达成一致，矛盾化解", "回访漏水纠纷，已修好，双方满意"),
    ("mediation", "concern"): (
        "楼上漏水到楼下，已约双方和物业查看", "邻里因噪音争执，已初步调解",
        "楼道自行车摆放有纠纷，需要协调", "晾衣问题有矛盾，已分别沟通",
    ),
    ("mediation", "urgent"): ("邻里争吵激烈，已请民警到场",),
    ("safety", "ok"): (
        "检查燃气报警器，工作正常", "电线情况已查看，暂无问题", "烟感正常，灭火器在有效期内", "楼道畅通，无堆物",
    ),
    ("safety", "concern"): ("楼道里有电动车充电，已劝离", "电线老化，建议更换", "燃气软管老化，提醒更换"),
    ("safety", "urgent"): ("闻到煤气味，已关阀开窗并报修", "插座冒烟，已断电并报修"),
    ("assistance", "ok"): (
        "已帮忙预约家庭医生", "协助办理助餐登记", "帮老人交了水电燃气费", "协助申请长护险评估",
    ),
    ("assistance", "concern"): (
        "想申请助餐服务，需要居委审核", "申请困难补助，材料还差一项", "需要轮椅，已联系助残员",
        "子女在外地，想找钟点工",
    ),
    ("assistance", "urgent"): ("家里断水断电，老人无人照顾，已联系居委",),
    ("other", "ok"): ("核对家庭成员信息", "转交街道慰问品", "发放高温慰问品", "通知参加社区活动"),
    ("other", "concern"): ("家属联系方式已失效，需要更新",),
    ("other", "urgent"): ("家属联系方式已失效，需要更新",),
}


# What the office wrote when it took a case on, and when it closed it, by visit kind.
OFFICE_STEPS = {
    "elderly_check": ("已联系家属", "已请社区卫生服务中心上门", "已转社工跟进"),
    "routine": ("已转物业处理", "已联系住户"),
    "mediation": ("已约双方到居委会面谈", "已请物业一起协调"),
    "safety": ("已通知物业和燃气公司", "已联系住户约时间上门"),
    "assistance": ("材料已收，正在办理", "已报街道审核"),
    "other": ("已联系住户",),
}
OFFICE_DONE = {
    "elderly_check": ("已电话联系家属，老人情况稳定", "社区医生已上门，已安排定期随访", "已安排志愿者每周上门看望"),
    "routine": ("物业已处理完毕", "已和住户确认，问题已解决"),
    "mediation": ("双方已和解，回访无新矛盾", "物业已维修，纠纷化解"),
    "safety": ("隐患已排除，已回访", "已更换燃气软管，住户确认"),
    "assistance": ("助餐服务已开通", "补助已发放", "已办理完毕，住户满意"),
    "other": ("已办理完毕",),
}


# ---------------------------------------------------------------- the population, in Python


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


def _population(rng: random.Random, year: int) -> list[PlanGroup]:
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


def _leader_names(rng: random.Random, groups: list[PlanGroup], year: int) -> list[str]:
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


def _visit_plan(rng: random.Random, groups: list[PlanGroup], rules: dict[str, int], today: date) -> list[PlanVisit]:
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


# ---------------------------------------------------------------- writing it all


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
    tz = ZoneInfo(get_settings().timezone)
    now = datetime.now(tz)
    rng = random.Random(SEED)
    groups = _population(rng, now.year)
    leader_names = _leader_names(rng, groups, now.year)
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
        plan = _visit_plan(rng, groups, community.rules(), now.date())
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
