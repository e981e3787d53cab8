"""Issuing, reissuing and redeeming sign-in cards; only an HMAC of each card's token is stored.

A token is 15 characters of a 31-letter alphabet without look-alikes (no 0/o, 1/l/i), so
it can be typed from the card: 31**15 is about 2**74 — far beyond guessing at the address
throttle's pace (20 free tries per address, then growing waits). It is printed in three groups
of five, and read back without regard to case, dashes or spaces (phones capitalise the first
letter typed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.auth.routes import open_device_session
from server.auth.sessions import hash_token
from server.core.clock import now_utc
from server.input_guard.numbers import store_id
from server.leader.scope import leader_scope
from server.models import BuildingGroup, Role, SignInCard, User
from server.settings import Settings
from sync.vocabulary import N_

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GROUP_SIZE = 5
TOKEN_LENGTH = 3 * GROUP_SIZE
CARD_DAYS = 7


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def printed(token: str) -> str:
    """The token as the card shows it, e.g. "k7mq3-xvt9h-aze4w"."""
    return "-".join(token[i:i + GROUP_SIZE] for i in range(0, TOKEN_LENGTH, GROUP_SIZE))


def read_token(text: str) -> str | None:
    """The token someone typed or scanned, or None when it cannot be one."""
    token = text.strip().lower().replace("-", "").replace(" ", "")
    if len(token) != TOKEN_LENGTH or any(ch not in ALPHABET for ch in token):
        return None
    return token


def card_state(card: SignInCard, now: datetime) -> str:
    """valid, used, replaced (reissued) or expired."""
    if card.used_at is not None:
        return "used"
    if card.replaced_at is not None:
        return "replaced"
    if card.expires_at <= now:
        return "expired"
    return "valid"


# --- the admin's side ---------------------------------------------------------------------------

@dataclass
class LeaderCard:
    """A leader of the community and their latest card (None: never had one)."""
    user: User
    groups: list[BuildingGroup]
    card: SignInCard | None
    state: str = "none"


async def leader_cards(community_id: int | None) -> list[LeaderCard]:
    leaders = await User.filter(community_id=community_id, role=Role.LEADER).prefetch_related(
        "building_groups").order_by("username")
    latest: dict[int, SignInCard] = {}
    for card in await SignInCard.filter(community_id=community_id).order_by("-issued_at", "-id"):
        latest.setdefault(card.user_id, card)
    now = now_utc()
    rows = []
    for leader in leaders:
        card = latest.get(leader.id)
        rows.append(LeaderCard(leader, sorted(leader.building_groups, key=lambda g: g.number), card,
                               card_state(card, now) if card else "none"))
    return rows


async def card_of(community_id: int | None, user: User) -> LeaderCard:
    """One leader's latest card, for their account page."""
    card = await SignInCard.filter(community_id=community_id, user_id=user.id).order_by("-issued_at", "-id").first()
    return LeaderCard(user, [], card, card_state(card, now_utc()) if card else "none")


async def card_session_ids(user: User) -> set[int]:
    """The device sessions this leader's cards opened: the device list marks them."""
    return set(await SignInCard.filter(user_id=user.id, session_id__isnull=False).values_list("session_id", flat=True))


@dataclass
class Choice:
    leaders: list[User] = field(default_factory=list)
    error: str = ""       # a msgid for the form (400)
    foreign: bool = False  # an id that is no account of this community (404)


async def choose_leaders(community_id: int | None, values: list[str]) -> Choice:
    """The leaders the admin ticked; an error, and nobody, unless every one may get a card."""
    if not values:
        return Choice(error=N_("请先勾选要发卡的楼组长。"))
    ids = {store_id(v) for v in values}
    if None in ids:
        return Choice(error=N_("选择有误，请刷新页面后重新勾选。"))
    users = await User.filter(community_id=community_id, id__in=ids).order_by("username")
    if community_id is None or len(users) != len(ids):
        return Choice(foreign=True)
    if any(u.role != Role.LEADER for u in users):
        return Choice(error=N_("只能给楼组长发登录卡。"))
    if any(not u.active for u in users):
        return Choice(error=N_("停用的账号不能发登录卡，请先重新启用。"))
    return Choice(leaders=users)


@dataclass
class IssuedCard:
    """A card just issued: the raw token exists only here, for the print page."""
    user: User
    groups: list[BuildingGroup]
    card: SignInCard
    token: str


async def issue_cards(request: Request, admin: User, leaders: list[User], settings: Settings) -> list[IssuedCard]:
    """A new card for each leader; their unused, unexpired older card stops working."""
    now = now_utc()
    expires_at = now + timedelta(days=CARD_DAYS)
    issued = []
    async with in_transaction():
        for leader in leaders:
            live = SignInCard.filter(community_id=admin.community_id, user_id=leader.id, used_at__isnull=True,
                                     replaced_at__isnull=True, expires_at__gt=now)
            replaced = list(await live.values_list("id", flat=True))
            if replaced:
                await SignInCard.filter(id__in=replaced).update(replaced_at=now)
            token = new_token()
            card = await SignInCard.create(
                community_id=admin.community_id, user=leader, token_hash=hash_token(token, settings),
                issued_by=admin, issued_at=now, expires_at=expires_at,
            )
            await audit.record(
                request, "sign_in_card_reissued" if replaced else "sign_in_card_issued", actor=admin,
                target_type="user", target_id=leader.id, username=leader.username, card_id=card.id,
                expires_at=expires_at.isoformat(timespec="seconds"), replaced_card_ids=replaced,
            )
            issued.append(IssuedCard(leader, (await leader_scope(leader)).groups, card, token))
    return issued


# --- the leader's side --------------------------------------------------------------------------

@dataclass
class Found:
    """What a card link names: its card and leader, and the state it is in now."""
    state: str  # valid, used, replaced, expired, void (account stopped) or unknown
    card: SignInCard | None = None
    groups: list[BuildingGroup] = field(default_factory=list)


async def look_up(text: str, settings: Settings) -> Found:
    token = read_token(text)
    card = None
    if token is not None:
        card = await SignInCard.get_or_none(token_hash=hash_token(token, settings)).select_related("user")
    if card is None:
        return Found("unknown")
    state = card_state(card, now_utc())
    leader = card.user
    if state == "valid" and (not leader.active or leader.role != Role.LEADER
                             or leader.community_id != card.community_id):
        state = "void"
    return Found(state, card, (await leader_scope(leader)).groups)


async def redeem(request: Request, card: SignInCard, settings: Settings) -> str | None:
    """Uses the card and opens this device's session; the session token, or None when the
    card was no longer valid by the time it was claimed (another phone was quicker).

    The claim is one conditional UPDATE, so of two phones racing exactly one gets a session.
    """
    now = now_utc()
    leader = card.user
    async with in_transaction():
        claimed = await SignInCard.filter(
            id=card.id, used_at__isnull=True, replaced_at__isnull=True, expires_at__gt=now,
        ).update(used_at=now)
        if claimed != 1:
            return None
        token, session = await open_device_session(request, leader, settings)
        await SignInCard.filter(id=card.id).update(session_id=session.id)
        await audit.record(request, "login", actor=leader, target_type="user", target_id=leader.id,
                           via="sign_in_card")
        await audit.record(request, "sign_in_card_used", actor=leader, target_type="sign_in_card",
                           target_id=card.id, session_id=session.id, device_label=session.device_label)
    return token


async def record_refusal(request: Request, found: Found) -> None:
    """A refused use of a real card: the office can see why a leader's card "did not work"."""
    if found.card is not None:
        await audit.record(request, "sign_in_card_refused", actor=found.card.user, target_type="sign_in_card",
                           target_id=found.card.id, state=found.state)
