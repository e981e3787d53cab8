"""`/admin/cards` (admin: choose leaders, issue and print cards) and `/c/{token}` (the card's link)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from server import audit
from server.auth import throttle
from server.auth.guards import role_required
from server.auth.routes import signed_in_redirect
from server.core.errors import Throttled
from server.core.pages import Pages
from server.core.render import path_for, render
from server.core.staff_pages import community_id, current_user, staff_render
from server.input_guard.numbers import store_id
from server.models import Role
from server.settings import Settings, app_settings
from server.signin_cards import cards
from server.signin_cards.qr import qr_svg
from sync.vocabulary import N_

CARD_STATE_WORDS = {
    "none": N_("还没有发过"),
    "valid": N_("有效，还没有使用"),
    "used": N_("已使用"),
    "expired": N_("已过期，没有使用"),
    "replaced": N_("已作废（重新发过卡）"),
}
# Why a card link does not sign in; each page then says to ask the office for a new card.
REFUSED_WORDS = {
    "used": N_("这张登录卡已经用过了。每张卡只能用一次。"),
    "expired": N_("这张登录卡已过期。每张卡发出后 7 天内有效。"),
    "replaced": N_("这张登录卡已作废：办公室后来又给您发过一张新卡。"),
    "void": N_("这张登录卡已作废。"),
    "unknown": N_("没有找到这张登录卡。如果网址是手动输入的，请对照卡片再检查一遍。"),
}
REFUSED_STATUS = {"unknown": 404}  # the others are cards that existed: 410 Gone


def card_origin(request: Request, settings: Settings) -> str:
    """Where the phone must go: this server as the admin's browser reached it (https when
    the deployment says it is behind HTTPS, since the app then sees plain http)."""
    scheme = "https" if settings.cookie_secure else request.url.scheme
    return f"{scheme}://{request.url.netloc}"


class AdminCards(Pages):
    path = "/admin/cards"
    guards = [role_required(Role.ADMIN)]

    @get("/", name="admin_cards")
    async def cards_page(self, request: Request, user: FromQuery[int | None] = None) -> Response:
        """The community's leaders, their building groups and the state of their latest card."""
        return await self._list(request, selected={user} if user else set())

    async def _list(self, request: Request, status_code: int = 200, error: str = "",
                    selected: set[int] | None = None) -> Response:
        return staff_render(request, "admin/cards.html", "cards", status_code=status_code, error=error,
                            rows=await cards.leader_cards(community_id(request)), selected=selected or set(),
                            state_words=CARD_STATE_WORDS)

    @post("/", name="admin_cards_issue", status_code=200)
    async def issue(self, request: Request) -> Response:
        """Issues a new card to each chosen leader (their older unused card stops working) and
        shows the cards to print: the only time their links can be shown."""
        form = await request.form()
        values = [str(v) for v in form.getall("user", [])]
        choice = await cards.choose_leaders(community_id(request), values)
        if choice.foreign:
            raise NotFoundException()
        if choice.error:
            chosen = {store_id(v) for v in values} - {None}
            return await self._list(request, 400, choice.error, chosen)
        settings = app_settings(request)
        issued = await cards.issue_cards(request, current_user(request), choice.leaders, settings)
        origin = card_origin(request, settings)
        printed = [
            {"item": item, "origin": origin, "path": path_for(request, "sign_in_card", token=cards.printed(item.token))}
            for item in issued
        ]
        return staff_render(request, "admin/cards_print.html", "cards", cards=printed, qr=qr_svg,
                            days=cards.CARD_DAYS)


class SignInCardPages(Pages):
    path = "/c"

    @get("/{token:str}", name="sign_in_card")
    async def landing(self, request: Request, token: FromPath[str]) -> Response:
        """What the card's link opens: whose card it is and one button; opening it uses nothing
        (link previewers and QR scanners fetch it before the leader sees it)."""
        return await self._answer(request, token, use=False)

    @post("/{token:str}", name="sign_in_card_use", opt={"csrf": "exempt"})
    async def use(self, request: Request, token: FromPath[str]) -> Response:
        """Uses the card: this device is signed in as its leader and goes to their home.

        CSRF as for the login form: the global guard checks the Origin; no session exists yet
        to hold a token, and the link's own token is the secret a forger would need."""
        return await self._answer(request, token, use=True)

    async def _answer(self, request: Request, token: str, use: bool) -> Response:
        settings = app_settings(request)
        ip = audit.client_ip(request)
        try:
            await throttle.claim_card(ip, settings)
        except Throttled as refused:
            minutes = max(1, refused.retry_after_seconds // 60)
            response = self._page(request, "throttled", None, 429, minutes=minutes)
            response.headers["retry-after"] = str(refused.retry_after_seconds)
            return response
        found = await cards.look_up(token, settings)
        if found.state != "unknown":  # a real card, used or not: no guess, the try is given back
            await throttle.give_back(throttle.card_key(ip))
        if found.state == "valid" and use:
            session_token = await cards.redeem(request, found.card, settings)
            if session_token is not None:
                return signed_in_redirect(path_for(request, "home"), session_token, settings)
            found = await cards.look_up(token, settings)  # another phone was quicker
            if found.state == "valid":
                found.state = "used"
        if found.state != "valid" and use:
            await cards.record_refusal(request, found)
        if found.state == "valid":
            return self._page(request, "valid", found, 200)
        return self._page(request, found.state, found, REFUSED_STATUS.get(found.state, 410))

    def _page(self, request: Request, state: str, found: cards.Found | None, status_code: int, **extra) -> Response:
        card = found.card if found else None
        response = render(
            request, "sign_in_card.html", status_code=status_code, state=state, card=card,
            leader=card.user if card else None, groups=found.groups if found else [],
            reason=REFUSED_WORDS.get(state, ""), action=request.url.path, **extra,
        )
        # The link is a secret until used: never kept by a browser or proxy cache.
        response.headers["cache-control"] = "no-store"
        return response
