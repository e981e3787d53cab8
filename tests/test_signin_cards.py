"""Sign-in cards: the admin issues and prints them; a leader's phone signs in once from the
link, and a used, expired, reissued or stopped card says to ask the office for a new one."""

from __future__ import annotations

import asyncio
import math
import re
from datetime import timedelta

import pytest

from server.auth.sessions import hash_token
from server.core.clock import now_utc
from server.core.words import AUDIT_ACTION_WORDS
from server.models import AuditEvent, DeviceSession, Role, SignInCard, User
from server.signin_cards.cards import ALPHABET, TOKEN_LENGTH, read_token
from server.signin_cards.qr import qr_svg
from tests.factories import make_user
from tests.office_factories import Clients

PHONE_UA = "Mozilla/5.0 (Linux; Android 13; HUAWEI Mate 40) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36"
CARD_PATH = re.compile(r"/c/[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}")
ASK_OFFICE = "请找居委会办公室重新打印一张登录卡。"


class Desk:
    """The admin at the office PC, and fresh phones, on one app."""

    def __init__(self, clients: Clients, admin) -> None:
        self.clients, self.admin = clients, admin
        self.csrf = clients.csrf["admin"]
        self.settings = clients._app.state.settings

    async def issue(self, *users: User, expect: int = 200):
        """Ticks `users` on /admin/cards and presses the button; answers the print page."""
        response = await self.admin.post("/admin/cards", data={"_csrf": self.csrf, "user": [str(u.id) for u in users]})
        assert response.status_code == expect, response.text
        return response

    def phone(self):
        client = self.clients.anonymous()
        client.headers["user-agent"] = PHONE_UA
        return client


@pytest.fixture
async def desk(world, settings):
    clients = Clients(settings)
    yield Desk(clients, await clients.login("admin"))
    await clients.close()


def card_paths(page) -> list[str]:
    return list(dict.fromkeys(CARD_PATH.findall(page.text)))


def leader_sessions(world, name: str = "leader01"):
    return DeviceSession.filter(user_id=world.users[name].id)


async def test_the_print_page_has_each_leaders_qr_and_link_and_the_store_keeps_only_a_hash(desk, world):
    leader01, leader02 = world.users["leader01"], world.users["leader02"]
    page = await desk.issue(leader01, leader02)
    html = page.text
    paths = card_paths(page)
    assert len(paths) == 2
    assert html.count('<svg role="img" aria-label=') == 2
    assert "王秀英的登录二维码" in html and "李国强的登录二维码" in html
    assert "楼组 1 · 天山路680弄16号" in html and "楼组 2 · 天山路680弄18号" in html
    # The link is printed as text under the QR, absolute, on the origin the admin used.
    assert f"http://127.0.0.1<wbr><strong>{paths[0]}</strong>" in html
    # The QR holds exactly the link printed under it.
    assert qr_svg(f"http://127.0.0.1{paths[0]}", "王秀英的登录二维码") in html
    assert "离开本页后无法再次显示，需重新发卡" in html
    assert "用手机相机扫一扫，或在浏览器里输入下面的网址；这张卡只能用一次，7天内有效。" in html
    assert 'data-print' in html and "/static/js/cards.js" in html and "<script>" not in html
    assert page.headers["cache-control"] == "no-store"
    cards = await SignInCard.all().order_by("id")
    assert [c.user_id for c in cards] == sorted([leader01.id, leader02.id])
    for card in cards:
        assert card.issued_by_id == world.users["admin"].id and card.community_id == world.community.id
        assert timedelta(days=7) - timedelta(minutes=1) < card.expires_at - card.issued_at <= timedelta(days=7)
        assert card.used_at is None and card.replaced_at is None
    # Only the HMAC is stored: the token itself appears nowhere in the store.
    tokens = [read_token(p.removeprefix("/c/")) for p in paths]
    stored = {c.token_hash for c in cards}
    assert stored == {hash_token(t, desk.settings) for t in tokens}
    assert not any(t in h for t in tokens for h in stored)
    issued = await AuditEvent.filter(action="sign_in_card_issued").order_by("id")
    assert [e.target_id for e in issued] == [str(leader01.id), str(leader02.id)]
    assert all(e.actor_id == world.users["admin"].id and e.detail["expires_at"] for e in issued)


async def test_opening_the_link_uses_nothing_and_shows_whose_card_it_is(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    handset = desk.phone()
    for _ in range(3):  # a link previewer, the QR scanner, then the leader
        page = await handset.get(path)
        assert page.status_code == 200
        assert "王秀英，您好" in page.text and "楼组 1 · 天山路680弄16号" in page.text
        assert "登录楼组通" in page.text and f'action="{path}"' in page.text
        assert page.headers["cache-control"] == "no-store"
    card = await SignInCard.get()
    assert card.used_at is None and card.session_id is None
    assert not await leader_sessions(world).exists()
    # Opened on a device signed in as someone else: it says who will be signed in instead.
    assert "这部手机现在登录的是「管理员」。点下面的按钮后，会改为王秀英登录。" in (await desk.admin.get(path)).text
    # Typed by hand: capitals (phones capitalise the first letter) and no dashes still work.
    typed = "/c/" + path.removeprefix("/c/").replace("-", "").upper()
    assert "王秀英，您好" in (await handset.get(typed)).text


async def test_the_button_signs_the_phone_in_as_an_ordinary_device_session(desk, world):
    leader = world.users["leader01"]
    path = card_paths(await desk.issue(leader))[0]
    handset = desk.phone()
    response = await handset.post(path)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "louzu_session=" in response.headers["set-cookie"]
    home = await handset.get("/")
    assert home.status_code == 200
    assert "您好，王秀英" in home.text and "天山路680弄16号503室" in home.text
    session = await DeviceSession.get(user_id=leader.id)
    assert session.device_label == PHONE_UA and session.revoked_at is None
    card = await SignInCard.get()
    assert card.used_at is not None and card.session_id == session.id
    login = await AuditEvent.get(action="login", actor_id=leader.id)
    assert login.actor_id == leader.id and login.detail == {"via": "sign_in_card"}
    used = await AuditEvent.get(action="sign_in_card_used")
    assert used.actor_id == leader.id and used.target_id == str(card.id)
    assert used.detail["session_id"] == session.id and used.detail["device_label"] == PHONE_UA
    assert used.community_id == world.community.id
    # The session is the same as a password login's: it answers /api/auth/me with its CSRF token.
    me = (await handset.get("/api/auth/me")).json()
    assert me["user"]["username"] == "leader01" and me["csrf_token"] == session.csrf_token
    # The admin's device list shows it like any other device, marked as opened by a card.
    admin_page = await desk.admin.get(f"/admin/users/{leader.id}")
    assert PHONE_UA in admin_page.text and '<span class="badge flag">登录卡</span>' in admin_page.text
    assert "已使用" in admin_page.text


async def test_a_used_card_gets_the_clear_page_and_no_second_session(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    assert (await desk.phone().post(path)).status_code == 303
    other_phone = desk.phone()
    for method in ("get", "post"):
        page = await getattr(other_phone, method)(path)
        assert page.status_code == 410
        assert "这张登录卡不能用了" in page.text and "已经用过了" in page.text and ASK_OFFICE in page.text
        assert "<form method=\"post\" action=\"/c/" not in page.text
    assert await leader_sessions(world).count() == 1
    refused = await AuditEvent.get(action="sign_in_card_refused")
    assert refused.detail == {"state": "used"}


async def test_the_phone_that_used_the_card_is_told_it_is_signed_in_already(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    handset = desk.phone()
    await handset.post(path)
    again = await handset.get(path)  # the back button, or the card scanned again next day
    assert again.status_code == 410
    assert "这部手机已经用您的账号登录好了" in again.text and 'href="/"' in again.text


async def test_an_expired_card_is_refused(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    await SignInCard.all().update(expires_at=now_utc() - timedelta(minutes=1))
    handset = desk.phone()
    page = await handset.get(path)
    assert page.status_code == 410 and "这张登录卡已过期" in page.text and ASK_OFFICE in page.text
    assert (await handset.post(path)).status_code == 410
    assert not await leader_sessions(world).exists()
    assert (await SignInCard.get()).used_at is None


async def test_reissuing_voids_the_old_card_and_the_new_one_works(desk, world):
    leader = world.users["leader01"]
    old = card_paths(await desk.issue(leader))[0]
    new = card_paths(await desk.issue(leader))[0]
    assert old != new
    handset = desk.phone()
    refused = await handset.post(old)
    assert refused.status_code == 410 and "这张登录卡已作废" in refused.text and ASK_OFFICE in refused.text
    assert not await leader_sessions(world).exists()
    assert (await handset.post(new)).status_code == 303
    first, second = await SignInCard.all().order_by("id")
    assert first.replaced_at is not None and first.used_at is None
    assert second.replaced_at is None and second.used_at is not None
    reissued = await AuditEvent.get(action="sign_in_card_reissued")
    assert reissued.detail["replaced_card_ids"] == [first.id] and reissued.target_id == str(leader.id)
    # A card reissued after it was used replaces nothing: a used card is history, not voided.
    await desk.issue(leader)
    assert (await SignInCard.get(id=second.id)).replaced_at is None
    cards_page = await desk.admin.get("/admin/cards")
    assert "有效，还没有使用" in cards_page.text and "重新发卡" in cards_page.text


async def test_only_this_communitys_active_leaders_can_get_cards(desk, world):
    await desk.issue(world.users["leader_other"], expect=404)
    await desk.issue(world.users["leader01"], world.users["leader_other"], expect=404)
    page = await desk.issue(world.users["office"], expect=400)
    assert "只能给楼组长发登录卡。" in page.text and 'id="cards-error"' in page.text
    page = await desk.issue(expect=400)
    assert "请先勾选要发卡的楼组长。" in page.text
    bad = await desk.admin.post("/admin/cards", data={"_csrf": desk.csrf, "user": "1 OR 1=1"})
    assert bad.status_code == 400 and "选择有误" in bad.text
    stopped = await make_user("leader09", Role.LEADER, world.community, [world.groups[0]], active=False)
    page = await desk.issue(world.users["leader01"], stopped, expect=400)
    assert "停用的账号不能发登录卡" in page.text
    # The ticks the admin made are kept on the refused page.
    assert f'value="{world.users["leader01"].id}" id="pick-{world.users["leader01"].id}" checked' in page.text
    assert not await SignInCard.exists()
    assert not await AuditEvent.filter(action__startswith="sign_in_card").exists()


async def test_the_cards_page_lists_this_communitys_leaders_only(desk, world):
    admin = desk.admin
    page = await admin.get(f"/admin/cards?user={world.users['leader02'].id}")
    assert page.status_code == 200
    assert "王秀英" in page.text and "李国强" in page.text and "别处组长" not in page.text
    assert "居委办公室" not in page.text  # the office account is no leader
    assert "为选中的楼组长打印登录卡" in page.text and "还没有发过" in page.text
    assert f'value="{world.users["leader02"].id}" id="pick-{world.users["leader02"].id}" checked' in page.text
    leader_id = world.users["leader01"].id
    user_page = await admin.get(f"/admin/users/{leader_id}")
    assert f'href="/admin/cards?user={leader_id}#leader-{leader_id}"' in user_page.text
    assert 'href="/admin/cards"' in user_page.text  # the admin navigation


@pytest.mark.parametrize("caller", ["leader01", "office"])
async def test_leaders_and_the_office_cannot_issue_cards(desk, world, caller):
    client = await desk.clients.login(caller)
    assert (await client.get("/admin/cards")).status_code == 403
    form = {"_csrf": desk.clients.csrf[caller], "user": str(world.users["leader01"].id)}
    response = await client.post("/admin/cards", data=form)
    assert response.status_code == 403
    assert not await SignInCard.exists()


async def test_a_stopped_leaders_card_does_not_sign_in(desk, world):
    leader = world.users["leader01"]
    path = card_paths(await desk.issue(leader))[0]
    await desk.admin.post(f"/admin/users/{leader.id}/deactivate", data={"_csrf": desk.csrf})
    handset = desk.phone()
    page = await handset.get(path)
    assert page.status_code == 410 and "这张登录卡已作废。" in page.text and ASK_OFFICE in page.text
    assert (await handset.post(path)).status_code == 410
    assert not await DeviceSession.filter(user_id=leader.id).exists()


async def test_two_phones_racing_get_exactly_one_session(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    phones = [desk.phone() for _ in range(4)]
    answers = await asyncio.gather(*(p.post(path) for p in phones))
    assert sorted(a.status_code for a in answers) == [303, 410, 410, 410]
    assert await leader_sessions(world).count() == 1
    assert await AuditEvent.filter(action="sign_in_card_used").count() == 1
    assert (await SignInCard.get()).session_id == (await leader_sessions(world).get()).id


async def test_unknown_and_malformed_links_get_a_clear_page_and_guessing_is_throttled(desk, world, settings):
    handset = desk.phone()
    for path in ("/c/abcde-fghjk-mnpqr", "/c/short", "/c/0O1lI-00000-00000", "/c/%3Cscript%3E"):
        page = await handset.get(path)
        assert page.status_code == 404, path
        assert "没有找到这张登录卡" in page.text and ASK_OFFICE in page.text
        assert "<script>" not in page.text.split("</main>")[0]
    for _ in range(settings.login_max_failures * 4):
        await handset.post("/c/abcde-fghjk-mnpqr")
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    throttled = await handset.get(path)  # a real card too: a guesser must not learn which are real
    assert throttled.status_code == 429 and "尝试次数太多" in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    assert not await leader_sessions(world).exists()
    # The leaders' password logins are not locked by it (throttled by address only at the same limit).
    assert not await User.filter(username="#sign-in-card").exists()


def test_the_token_is_typeable_and_long_enough():
    assert not set("0o1liI") & set(ALPHABET)
    assert TOKEN_LENGTH * math.log2(len(ALPHABET)) >= 64
    assert read_token(" K7MQ3-XVT9H-AZE4W ") == "k7mq3xvt9haze4w"
    assert read_token("k7mq3xvt9haze4") is None and read_token("k7mq3-xvt9h-aze4O") is None


async def test_behind_https_the_printed_link_is_https(desk, world, monkeypatch):
    monkeypatch.setenv("LOUZU_HTTPS", "1")
    page = await desk.issue(world.users["leader01"])
    assert "https://127.0.0.1<wbr>" in page.text


def test_the_audit_log_names_the_card_actions_in_chinese():
    for action in ("sign_in_card_issued", "sign_in_card_reissued", "sign_in_card_used", "sign_in_card_refused"):
        assert AUDIT_ACTION_WORDS[action]


async def test_the_card_pages_speak_english_when_asked(desk, world):
    path = card_paths(await desk.issue(world.users["leader01"]))[0]
    handset = desk.phone()
    handset.cookies.set("louzu_locale", "en")
    page = await handset.get(path)
    assert "Hello, 王秀英" in page.text and "Group 1 · 天山路680弄16号" in page.text
    await handset.post(path)
    handset.cookies.delete("louzu_session")
    refused = await handset.get(path)
    assert "This sign-in card has already been used." in refused.text
    assert "Please ask the committee office to print you a new sign-in card." in refused.text
