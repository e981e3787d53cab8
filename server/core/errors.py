"""Refusals the app raises, and how each is answered: JSON on /api, a page or redirect else."""

from __future__ import annotations

from typing import TypeVar

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from sync.vocabulary import N_

T = TypeVar("T")


def found(row: T | None) -> T:
    """The row a route asked for, or 404: a row outside what the user may see is answered
    exactly like one that does not exist, so ids from elsewhere reveal nothing."""
    if row is None:
        raise NotFoundException()
    return row


class LoginRequired(Exception):
    def __init__(self, reason: str = "session_expired") -> None:
        super().__init__(reason)
        self.reason = reason  # session_expired / session_revoked (sync-protocol.md)


class RoleRefused(Exception):
    pass


class CsrfRefused(Exception):
    pass


BAD_INPUT_TITLE = N_("无法处理")
BAD_INPUT = N_("“%(field)s”里有看不见的控制字符（可能是从别处复制来的），无法处理。请返回，删掉这些字符后再试一次。")
TOO_LONG_INPUT = N_("“%(field)s”最多 %(max)s 个字。")


class BadInput(Exception):
    """A value no handler should see (server/input_guard): 400 naming the field."""

    def __init__(self, field: str, label: str, why: str | None = None, limit: int | None = None) -> None:
        super().__init__(f"bad input in {field!r}")
        self.field = field  # as sent (control characters taken out: it is echoed back)
        self.label = label  # a Chinese msgid naming the field to the user
        self.why = why or BAD_INPUT  # a msgid with %(field)s (and %(max)s)
        self.limit = limit


class Throttled(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("throttled")
        self.retry_after_seconds = retry_after_seconds


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, title: str, message: str, headers: dict | None = None) -> Response:
    from server.core.render import (
        render,  # late import: the templating module imports this one
    )

    response = render(request, "error.html", status_code=status, title=title, message=message)
    response.headers.update(headers or {})  # e.g. a 405's Allow
    return response


def on_login_required(request: Request, exc: LoginRequired) -> Response:
    if wants_json(request):
        return Response({"error": exc.reason}, status_code=401)
    from server.core.render import (
        path_for,  # late import: the templating module imports this one
    )

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = path_for(request, "home")
    revoked = 1 if exc.reason == "session_revoked" else None
    return Redirect(path_for(request, "login_page", next=target, revoked=revoked), status_code=303)


def on_role_refused(request: Request, _: RoleRefused) -> Response:
    if wants_json(request):
        return Response({"error": "forbidden", "message": "您的账号没有权限做这件事。"}, status_code=403)
    return _page(request, 403, "没有权限", "您的账号没有权限查看这个页面。")


def on_csrf_refused(request: Request, _: CsrfRefused) -> Response:
    if wants_json(request):
        return Response(
            {"error": "csrf_failed", "message": "请求缺少有效的安全令牌（X-CSRFToken）。"}, status_code=403
        )
    return _page(request, 403, "页面已过期", "这个页面已经过期，请返回后刷新页面再试一次。您填写的内容没有保存。")




def on_bad_input(request: Request, exc: BadInput) -> Response:
    from server.core import i18n
    from server.core.render import request_locale

    words = i18n.translations(request_locale(request))
    message = words.gettext(exc.why) % {"field": words.gettext(exc.label), "max": exc.limit}
    if wants_json(request):
        return Response({"error": "invalid_request", "message": message, "field": exc.field}, status_code=400)
    return _page(request, 400, BAD_INPUT_TITLE, message)


def on_throttled(request: Request, exc: Throttled) -> Response:
    seconds = exc.retry_after_seconds
    headers = {"Retry-After": str(seconds)}
    # The waits grow from seconds (server/auth/throttle.py): "1 minute" for 2 s would mislead.
    wait = f"{seconds} 秒" if seconds < 60 else f"{-(-seconds // 60)} 分钟"
    message = f"登录失败次数太多，请 {wait}后再试。"
    if wants_json(request):
        return Response({"error": "too_many_attempts", "message": message}, status_code=429, headers=headers)
    from server.core.render import render

    response = render(request, "login.html", status_code=429, error=message, username="")
    response.headers.update(headers)
    return response


def on_http_exception(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if wants_json(request):
        body: dict = {"error": "invalid_request" if status < 500 else "server_error", "message": exc.detail}
        if isinstance(exc, ValidationException) and exc.extra:
            body["detail"] = exc.extra
        return Response(body, status_code=status, headers=exc.headers)
    if isinstance(exc, NotFoundException) or status == 404:
        return _page(request, 404, "找不到页面", "没有这个页面，或者您没有权限查看它。")
    return _page(request, status, "请求有误", "请求无法处理，请返回重试。", exc.headers)


def on_server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return on_http_exception(request, exc)
    request.logger.exception("unhandled error", exc_info=exc)
    if wants_json(request):
        return Response({"error": "server_error", "message": "服务器出错，请稍后再试。"}, status_code=500)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR, "服务器出错", "服务器出错了，请稍后再试。您在手机上保存的记录不会丢失。")


EXCEPTION_HANDLERS = {
    LoginRequired: on_login_required,
    RoleRefused: on_role_refused,
    CsrfRefused: on_csrf_refused,
    BadInput: on_bad_input,
    Throttled: on_throttled,
    HTTPException: on_http_exception,
    Exception: on_server_error,
}
