"""Login and logout: the HTML pages and the JSON API of sync-protocol.md."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect

from server import audit
from server.auth import throttle
from server.auth.api_docs import (
    LOGIN_RESPONSES,
    SESSION_RESPONSES,
    USERNAME_CHARS,
    WRITE_RESPONSES,
    ApiLoggedOut,
    ApiSession,
    LoginOperation,
)
from server.auth.guards import login_required
from server.auth.passwords import password_matches
from server.auth.sessions import COOKIE_NAME, end_session, open_session
from server.auth.trusted_devices import device_cookie, trusted_session
from server.core.i18n import normalise_locale
from server.core.pages import Pages
from server.core.render import LOCALE_COOKIE, path_for, render
from server.input_guard.guard import refuse_bad_text
from server.models import DeviceSession, User
from server.settings import Settings, app_settings
from sync.records import MAX_DEVICE_ID_CHARS

BAD_LOGIN = "用户名或密码不正确。"
# DeviceSession.device_id's column; a longer one is refused, naming the field.
DEVICE_ID_LENGTH = 64
# The phone's own script wipes its outbox and kept pages when the login page opens with
# ?logged_out=1 or ?revoked=1. (Clear-Site-Data was tried: it also removes the service
# worker, so a logged-out phone without signal showed the browser's error instead of ours.)


def session_cookie(token: str, settings: Settings) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value=token,
        max_age=settings.session_days * 86400,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie() -> Cookie:
    return Cookie(key=COOKIE_NAME, value="", max_age=0, httponly=True, samesite="lax", path="/")


def safe_next(target: str | None) -> str:
    # Only same-site paths: "next" must never send a leader to another site.
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value if hasattr(user.role, "value") else user.role,
        "locale": user.locale,
    }


async def open_device_session(
    request: Request, user: User, settings: Settings, device_id: str | None = None
) -> tuple[str, DeviceSession]:
    """Opens this device's session, the same for every way in (password, sign-in card):
    labelled by the browser's User-Agent so the admin's device list can tell phones apart."""
    return await open_session(user, settings, request.headers.get("user-agent", ""), device_id)


def signed_in_redirect(target: str, token: str, settings: Settings) -> Response:
    """The answer to a page that signed a device in: go on to `target` with the session cookie."""
    response = Redirect(target, status_code=303)
    response.cookies.extend([session_cookie(token, settings), device_cookie(token, settings)])
    return response


async def authenticate(request: Request, username: str, password: str, settings: Settings) -> User | None:
    """Claims a try from the throttle (counted as a failure before anything is checked), then
    checks the password off the event loop; a right one clears the run. The policy is in
    server/auth/throttle.py. Known and unknown usernames take the same steps and the same
    argon2 work, so the answer's time does not tell which accounts exist."""
    ip = audit.client_ip(request)
    trusted = await trusted_session(request, username, settings)
    key = throttle.device_key(trusted.id) if trusted else throttle.account_key(username, ip)
    await throttle.claim(key, settings)
    user = await User.get_or_none(username=username)
    matched = await password_matches(user.password_hash if user else None, password)
    if user is None or not user.active or not matched:
        await audit.record(request, "login_failed", actor=user, target_type="user", target_id=username[:50])
        return None
    await throttle.clear(key)
    await audit.record(request, "login", actor=user, target_type="user", target_id=user.id)
    return user


class AuthPages(Pages):
    path = ""

    @get("/login", name="login_page", sync_to_thread=False)
    def login_page(
        self, request: Request, next: FromQuery[str | None] = None, revoked: FromQuery[int] = 0
    ) -> Response:
        notice = "这台设备已被管理员注销登录，请重新登录。" if revoked else ""
        return render(request, "login.html", username="", error="", notice=notice, next=safe_next(next))

    @post("/login", name="login_submit", opt={"csrf": "exempt"})
    async def login_submit(self, request: Request) -> Response:
        settings = app_settings(request)
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        next_url = safe_next(form.get("next"))
        refuse_bad_text({"username": username}, {"username": USERNAME_CHARS})  # no account has a longer one
        if not username or not password:
            return render(request, "login.html", status_code=400, username=username, next=next_url,
                          error="请填写用户名和密码。")
        user = await authenticate(request, username, password, settings)
        if user is None:
            return render(request, "login.html", status_code=401, username=username, next=next_url,
                          error=BAD_LOGIN)
        token, _ = await open_device_session(request, user, settings)
        return signed_in_redirect(next_url, token, settings)

    @post("/logout", name="logout", guards=[login_required])
    async def logout(self, request: Request) -> Response:
        await end_session(request.scope["auth"])
        await audit.record(request, "logout", target_type="session", target_id=request.scope["auth"].id)
        response = Redirect(path_for(request, "login_page", logged_out=1), status_code=303)
        response.cookies.append(clear_session_cookie())
        return response

    @post("/locale", name="set_locale", opt={"csrf": "if_session"})
    async def set_locale(self, request: Request) -> Response:
        form = await request.form()
        locale = normalise_locale(form.get("locale"))
        user = request.scope.get("user")
        if user is not None:
            user.locale = locale
            await user.save(update_fields=["locale", "updated_at"])
        response = Redirect(safe_next(form.get("next")), status_code=303)
        response.cookies.append(
            Cookie(key=LOCALE_COOKIE, value=locale, max_age=365 * 86400, samesite="lax", path="/")
        )
        return response


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["auth (API)"]

    @post("/login", name="api_login", opt={"csrf": "exempt"}, status_code=200,
          operation_class=LoginOperation, responses=LOGIN_RESPONSES)
    async def login(self, request: Request) -> Response[ApiSession]:
        """Open a session for a script or phone; answers the CSRF token to send as X-CSRFToken."""
        settings = app_settings(request)
        try:
            body = await request.json()
        except Exception:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) or not isinstance(
            body.get("password"), str
        ):
            return Response(
                {"error": "invalid_request", "message": "需要 JSON：{\"username\": ..., \"password\": ...}"},
                status_code=400,
            )
        refuse_bad_text(body, {"username": USERNAME_CHARS, "device_id": MAX_DEVICE_ID_CHARS})
        device_id = body.get("device_id")
        if device_id is not None and (not isinstance(device_id, str) or len(device_id) > DEVICE_ID_LENGTH):
            # Checked before the password: a bad body is no login attempt and counts for nothing.
            return Response(
                {"error": "invalid_request", "field": "device_id",
                 "message": f"device_id 应为不超过 {DEVICE_ID_LENGTH} 个字符的文字。"},
                status_code=400,
            )
        user = await authenticate(request, body["username"].strip(), body["password"], settings)
        if user is None:
            return Response({"error": "bad_credentials", "message": BAD_LOGIN}, status_code=401)
        token, session = await open_device_session(request, user, settings, device_id)
        response = Response({"user": user_json(user), "csrf_token": session.csrf_token})
        response.cookies.extend([session_cookie(token, settings), device_cookie(token, settings)])
        return response

    @post("/logout", name="api_logout", guards=[login_required], status_code=200, responses=WRITE_RESPONSES)
    async def logout(self, request: Request) -> Response[ApiLoggedOut]:
        await end_session(request.scope["auth"])
        await audit.record(request, "logout", target_type="session", target_id=request.scope["auth"].id)
        response = Response({"ok": True})
        response.cookies.append(clear_session_cookie())
        return response

    @get("/me", name="api_me", guards=[login_required], sync_to_thread=False, responses=SESSION_RESPONSES)
    def me(self, request: Request) -> ApiSession:
        """Who this session belongs to, and the CSRF token the phone keeps beside its outbox."""
        return {"user": user_json(request.scope["user"]), "csrf_token": request.scope["auth"].csrf_token}

