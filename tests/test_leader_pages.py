"""The leader's screens over HTTP: who to see today, households, the visit form, my records."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.models import Resident, ResidentStatus, Visit, VisitKind, VisitResident, VisitStatus
from tests.factories import api_login
from tests.page_text import chinese_left, text_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
HTMX = {"HX-Request": "true"}


def now() -> datetime:
    return datetime.now(timezone.utc)


def this_year() -> int:
    return now().astimezone(SHANGHAI).year


async def log_visit(world, household, residents=(), *, days_ago=0.0, author="leader01", **fields):
    when = fields.pop("occurred_at", now() - timedelta(days=days_ago))
    kind = fields.pop("kind", VisitKind.ELDERLY_CHECK)
    visit = await Visit.create(
        id=uuid.uuid4(), community_id=household.community_id, household=household,
        author=world.users[author], kind=kind, status=fields.pop("status", VisitStatus.OK),
        occurred_at=when, received_at=when, content_hash="0" * 64,
        resident_ids=[r.id for r in residents], **fields,
    )
    for resident in residents:
        await VisitResident.create(visit=visit, resident=resident, occurred_at=when, kind=kind)
    return visit


def section(html: str, start: str, end: str | None = None) -> str:
    """The part of the page between two markers (the start must be there)."""
    begin = html.index(start)
    stop = html.index(end, begin) if end else len(html)
    return html[begin:stop]


def shanghai_input(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def good_form(world, token, **changes):
    form = {
        "_csrf": token,
        "id": "",
        "kind": "elderly_check",
        "resident_ids": [str(world.residents["li"].id)],
        "status": "concern",
        "notes": "腿脚不便，需要助餐",
        "occurred_at": shanghai_input(now() - timedelta(hours=1)),
        "follow_up_due": "",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
async def leader(client, world):
    """leader01 (王秀英, building group 1) logged in; returns the CSRF token."""
    return await api_login(client, "leader01")


# --- home -----------------------------------------------------------------------------------

async def test_home_lists_due_checks_first_then_households(client, world, leader):
    zhang, li, wang = world.residents["zhang"], world.residents["li"], world.residents["wang"]
    await log_visit(world, world.households[0], [li], days_ago=13)  # 80+: 14 days -> due
    await log_visit(world, world.households[0], [wang], days_ago=3)  # chronic: 30 days -> ok
    # zhang (80+, lives alone: 7 days) was never visited -> overdue

    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "您好，王秀英" in html
    due = section(html, "今天该看望的老人", "我的住户")
    assert due.index("张桂英") < due.index("李建国")  # overdue before due
    assert "王美华" not in due and "陈阿婆" not in due and "赵小明" not in due
    due_text = text_of(due)
    assert "从未看望" in due_text and "已 13 天未看望" in due_text
    assert "高龄" in due_text and "独居" in due_text
    assert f"{this_year() - 1938} 岁" in due_text
    assert "天山路680弄16号503室" in due_text
    assert f'data-resident-id="{zhang.id}" data-household-id="{world.households[2].id}"' in due
    # The card ticks its resident in the visit form (see test_leader_taps.py).
    assert f'href="/households/{world.households[2].id}?for={zhang.id}#visit-for={zhang.id}"' in due
    # The households come after, under their building group, each a link.
    households = section(html, "我的住户")
    assert "天山路680弄16号" in households
    for household in world.households[:3]:
        assert f'href="/households/{household.id}"' in households
    for household in world.households[3:]:
        assert f'href="/households/{household.id}"' not in html


async def test_most_overdue_first(client, world, leader):
    await Resident.filter(id=world.residents["wang"].id).update(care_flags=[])
    await log_visit(world, world.households[2], [world.residents["zhang"]], days_ago=10)  # 3 days over
    await log_visit(world, world.households[0], [world.residents["li"]], days_ago=25)  # 11 days over

    due = section((await client.get("/")).text, "今天该看望的老人", "我的住户")
    assert due.index("李建国") < due.index("张桂英")
    assert "已超期 11 天" in text_of(due) and "已超期 3 天" in text_of(due)


async def test_home_without_due_checks_says_so(client, world, leader):
    for name in ("zhang", "li", "wang"):
        resident = world.residents[name]
        await log_visit(world, await resident.household, [resident], days_ago=1)
    due = section((await client.get("/")).text, "今天该看望的老人", "我的住户")
    assert "这几天没有到期的老人看望" in due
    assert "data-resident-id" not in due


async def test_search_by_room_on_the_page_and_as_a_partial(client, world, leader):
    page = await client.get("/", params={"q": "503"})
    households = section(page.text, 'id="household-list"')
    assert f'href="/households/{world.households[2].id}"' in households
    assert f'href="/households/{world.households[0].id}"' not in households
    assert 'value="503"' in page.text  # the box keeps what was typed

    partial = await client.get("/households/search", params={"q": "503"}, headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text and partial.text.lstrip().startswith("<div id=\"household-list\"")
    assert f'href="/households/{world.households[2].id}"' in partial.text
    assert f'href="/households/{world.households[0].id}"' not in partial.text
    assert "找到 1 户" in partial.text
    # The page's live region gets the count out of band (announced by screen readers).
    assert '<p id="search-status" hx-swap-oob="innerHTML">找到 1 户</p>' in partial.text
    assert '<p id="search-status" class="visually-hidden" role="status"></p>' in page.text


async def test_search_by_resident_name(client, world, leader):
    page = await client.get("/", params={"q": "王美"})
    households = section(page.text, 'id="household-list"')
    assert f'href="/households/{world.households[0].id}"' in households
    assert f'href="/households/{world.households[2].id}"' not in households

    partial = await client.get("/households/search", params={"q": "张桂英"}, headers=HTMX)
    assert f'href="/households/{world.households[2].id}"' in partial.text
    assert f'href="/households/{world.households[1].id}"' not in partial.text


async def test_search_never_finds_other_groups_and_says_nothing_found(client, world, leader):
    for q in ("陈阿婆", "402", "外区居民", "%"):
        partial = await client.get("/households/search", params={"q": q}, headers=HTMX)
        assert "/households/" not in partial.text, q
        assert "没有找到" in partial.text


async def test_the_partial_opened_as_a_page_goes_to_the_page(client, world, leader):
    response = await client.get("/households/search", params={"q": "503 室"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?q=503+%E5%AE%A4"
    assert (await client.get("/households/search")).headers["location"] == "/"


async def test_search_form_works_without_javascript_and_with_htmx(client, world, leader):
    html = (await client.get("/")).text
    form = re.search(r'<form class="search-form"[^>]*>', html).group(0)
    assert 'action="/"' in form and 'method="get"' in form
    assert 'data-live-search="/households/search"' in form  # search.js asks for the list alone
    assert '<script src="/static/js/search.js' in html and "htmx" not in html  # no 17 KB library for one box


# --- household page -------------------------------------------------------------------------

async def test_household_page_shows_everything_a_leader_needs(client, world, leader):
    household = world.households[0]  # 101: 李建国 (80+), 王美华 (chronic illness)
    await log_visit(world, household, [world.residents["li"]], days_ago=20, notes="血压正常", status=VisitStatus.OK)
    await log_visit(
        world, household, [world.residents["wang"]], days_ago=2, notes="膝盖疼，想申请助餐",
        status=VisitStatus.CONCERN, kind=VisitKind.ASSISTANCE, follow_up_needed=True,
        follow_up_due=(now() + timedelta(days=5)).date(),
    )
    await log_visit(world, household, [], days_ago=1, notes="写错了", withdrawn=True)
    await log_visit(world, household, [], days_ago=5, author="leader02", notes="代班走访")

    response = await client.get(f"/households/{household.id}")
    assert response.status_code == 200
    html = response.text
    page = text_of(html)
    assert "天山路680弄16号101室" in page
    residents = text_of(section(html, "residents-heading", "visit-form-heading"))
    assert "李建国" in residents and f"{this_year() - 1944} 岁" in residents and "高龄" in residents
    assert "王美华" in residents and "慢病" in residents
    assert "已 20 天未看望" in residents and "已超期 6 天" in residents
    # A check that is not due says when it was, not "not visited for" (issue 8: never both).
    assert "2 天前看望过" in residents and "近期已看望" in residents and "已 2 天未看望" not in residents

    visits = section(html, "visits-heading")
    assert visits.index("写错了") < visits.index("膝盖疼") < visits.index("代班走访") < visits.index("血压正常")
    visits_text = text_of(visits)
    assert "需要关注" in visits_text and "帮困求助" in visits_text and "一切安好" in visits_text
    assert "已撤回" in visits_text
    assert "王秀英" in visits_text and "李国强" in visits_text
    assert "需要居委会跟进" in visits_text
    assert "看望了：王美华" in visits_text
    two_days_ago = (now() - timedelta(days=2)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert two_days_ago in visits_text  # shown in Shanghai time

    # The offline JS lists the entries still on the phone in this same list.
    assert f'<ul class="visits" data-visit-list data-household-id="{household.id}">' in html


async def test_household_page_shows_visitor_notes(client, world, leader):
    html = (await client.get(f"/households/{world.households[2].id}")).text
    assert "按门铃两次" in html


async def test_visit_form_has_the_protocol_fields(client, world, leader):
    household = world.households[0]
    html = (await client.get(f"/households/{household.id}")).text
    form = re.search(r'<form class="visit-form".*?</form>', html, re.S).group(0)
    opening = form.split(">", 1)[0]
    assert f'action="/households/{household.id}/visits"' in opening and 'method="post"' in opening
    assert 'data-outbox-form="visit"' in opening and f'data-household-id="{household.id}"' in opening
    assert f'name="_csrf" value="{leader}"' in form
    assert '<input type="hidden" name="id" value="">' in form
    for kind in ("routine", "elderly_check", "mediation", "safety", "assistance", "other"):
        assert f'name="kind" value="{kind}"' in form
    assert re.search(r'name="kind" value="elderly_check" checked', form)  # flagged residents live here
    for status, word in (("ok", "一切安好"), ("concern", "需要关注"), ("urgent", "紧急")):
        assert f'name="status" value="{status}"' in form and word in form
    assert not re.search(r'name="status" value="\w+" checked', form)  # the leader must choose
    for name in ("li", "wang"):
        assert f'name="resident_ids" value="{world.residents[name].id}"' in form
    assert 'name="notes"' in form and 'maxlength="2000"' in form
    assert 'name="follow_up_needed"' in form and 'type="date" id="follow-up-due" name="follow_up_due"' in form
    today = now().astimezone(SHANGHAI).strftime("%Y-%m-%dT")
    assert re.search(rf'type="datetime-local" id="occurred-at" name="occurred_at" value="{today}\d\d:\d\d"', form)


async def test_household_without_flagged_residents_defaults_to_routine(client, world, leader):
    html = (await client.get(f"/households/{world.households[1].id}")).text
    assert re.search(r'name="kind" value="routine" checked', html)


async def test_moved_residents_are_not_offered(client, world, leader):
    await Resident.filter(id=world.residents["wang"].id).update(status=ResidentStatus.MOVED)
    html = (await client.get(f"/households/{world.households[0].id}")).text
    assert f'name="resident_ids" value="{world.residents["wang"].id}"' not in html
    assert "王美华" not in html


# --- scope and roles ------------------------------------------------------------------------

async def test_household_of_another_group_or_community_is_not_found(client, world, leader):
    for household_id in (world.households[3].id, world.other_household.id, 999999):
        response = await client.get(f"/households/{household_id}")
        assert response.status_code == 404, household_id
        assert "找不到页面" in response.text
        assert "陈阿婆" not in response.text and "外区居民" not in response.text


async def test_a_visit_to_another_groups_household_is_refused(client, world, leader):
    response = await client.post(
        f"/households/{world.households[3].id}/visits",
        data={"_csrf": leader, "kind": "routine", "status": "ok", "occurred_at": "2026-11-26T09:00"},
    )
    assert response.status_code == 404
    assert await Visit.all().count() == 0


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_staff_cannot_use_leader_pages(client, world, username):
    token = await api_login(client, username)
    for url in (f"/households/{world.households[0].id}", "/households/search?q=5", "/visits/mine"):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert "没有权限" in response.text
    response = await client.post(f"/households/{world.households[0].id}/visits", data={"_csrf": token, "status": "ok"})
    assert response.status_code == 403
    assert await Visit.all().count() == 0


async def test_leader_pages_need_a_login(client, world):
    response = await client.get(f"/households/{world.households[0].id}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


# --- English --------------------------------------------------------------------------------

def chinese_left_for_leader(html: str, world) -> set[str]:
    """Chinese in the page's body once the world's names, addresses and notes are taken away."""
    data = [r.name for r in world.residents.values()] + [h.address for h in world.households]
    data += [g.name for g in world.groups] + [u.display_name for u in world.users.values()]
    data += ["按门铃两次", "中文", "腿脚不便，需要助餐", "腿脚不便"]
    return chinese_left(text_of(section(html, "<body") if "<body" in html else html), data)


async def test_leader_pages_in_english(client, world, leader):
    await log_visit(world, world.households[0], [world.residents["li"]], days_ago=13, notes="腿脚不便")
    switched = await client.post("/locale", data={"_csrf": leader, "locale": "en", "next": "/"})
    assert switched.status_code == 303

    home = (await client.get("/")).text
    assert "Hello, 王秀英" in home and "Elderly residents to visit today" in home
    assert "Not visited for 13 days" in home and "Never visited" in home and "Aged 80+" in home
    assert "Lives alone" in home and "My households" in home and 'lang="en"' in home
    household = (await client.get(f"/households/{world.households[0].id}")).text
    assert "Record this visit" in household and "All well" in household and "Needs attention" in household
    search = (await client.get("/households/search", params={"q": "503"}, headers=HTMX)).text
    assert "Found 1 household" in search
    mine = (await client.get("/visits/mine")).text
    assert "My records" in mine
    for html in (home, household, search, mine):
        assert chinese_left_for_leader(html, world) == set(), html

    error = await client.post(
        f"/households/{world.households[0].id}/visits", data=good_form(world, leader, status=None)
    )
    assert "Please choose how things are" in error.text
    assert chinese_left_for_leader(error.text, world) == set()
    too_long = await client.post(
        f"/households/{world.households[0].id}/visits", data=good_form(world, leader, notes="x" * 2001)
    )
    assert "at most 2,000 characters" in too_long.text
    assert chinese_left_for_leader(too_long.text.replace("x" * 2001, ""), world) == set()


def test_every_msgid_has_english():
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, filename)
    assert any(f.startswith("web/templates/base.html") for f in found.values())
    assert "今天该看望的老人" in found and "高龄" in found

    with open(ROOT / "web/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing, bad_placeholders = [], []
    for msgid, filename in found.items():
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else None
        strings = list(strings) if isinstance(strings, tuple) else [strings]
        if entry is None or not all(strings):
            missing.append(f"{filename}: {msgid}")
            continue
        wanted = set(re.findall(r"%\(\w+\)s", msgid))
        for string in strings:
            if set(re.findall(r"%\(\w+\)s", string)) != wanted:
                bad_placeholders.append(f"{msgid} -> {string}")
    assert not missing, "no English for:\n" + "\n".join(missing)
    assert not bad_placeholders, "\n".join(bad_placeholders)


async def test_a_leader_without_building_groups(client, world):
    await world.users["leader01"].building_groups.clear()
    await api_login(client, "leader01")
    home = await client.get("/")
    assert home.status_code == 200
    assert "您还没有分到楼组" in home.text and "data-resident-id" not in home.text
    assert (await client.get(f"/households/{world.households[0].id}")).status_code == 404
    assert (await client.get("/visits/mine")).status_code == 200
