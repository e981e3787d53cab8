"""Logging in and out, sessions, throttling, CSRF and security headers, as the user meets them."""

from datetime import timedelta

from server.auth.sessions import COOKIE_NAME
from server.core.clock import now_utc
from server.models import AuditEvent, DeviceSession, LoginThrottle
from tests.factories import PASSWORD, api_login


async def form_login(client, username, password=PASSWORD, next_url="/"):
    return await client.post(
        "/login", data={"username": username, "password": password, "next": next_url}
    )


async def test_form_login_sets_a_safe_cookie_and_goes_where_asked(client, world):
    response = await form_login(client, "leader01", next_url="/visits/mine")
    assert response.status_code == 303
    assert response.headers["location"] == "/visits/mine"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert await DeviceSession.filter(user=world.users["leader01"]).count() == 1
    assert await AuditEvent.filter(action="login", actor=world.users["leader01"]).count() == 1


async def test_login_never_redirects_to_another_site(client, world):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = await form_login(client, "leader01", next_url=target)
        assert response.headers["location"] == "/"


async def test_wrong_password_shows_a_clear_error_and_opens_no_session(client, world):
    response = await form_login(client, "leader01", password="wrong")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert 'value="leader01"' in response.text  # what was typed stays
    assert await DeviceSession.all().count() == 0
    assert await AuditEvent.filter(action="login_failed").count() == 1


async def test_empty_login_form_is_refused(client, world):
    response = await client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    assert "请填写用户名和密码" in response.text


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, world):
    response = await form_login(client, "nobody", password="whatever")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text


async def test_anonymous_pages_redirect_to_login_and_api_answers_401(client, world):
    page = await client.get("/")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=/")
    api = await client.get("/api/auth/me")
    assert api.status_code == 401
    assert api.json() == {"error": "session_expired"}


async def test_api_login_validates_its_body(client, world):
    bad_json = await client.post("/api/auth/login", content=b"{nope", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == "invalid_request"
    missing = await client.post("/api/auth/login", json={"username": "leader01"})
    assert missing.status_code == 400
    wrong = await client.post("/api/auth/login", json={"username": "leader01", "password": "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "bad_credentials"


async def test_repeated_failures_from_one_browser_without_a_past_session_are_slowed(client, world):
    # A browser that never signed in to leader01 is indistinguishable from a guesser: after the
    # free failures it must wait, the right password included.
    for _ in range(5):
        await form_login(client, "leader01", password="wrong")
    response = await form_login(client, "leader01")
    assert response.status_code == 429
    assert "秒后再试" in response.text
    assert int(response.headers["retry-after"]) > 0
    api = await client.post("/api/auth/login", json={"username": "leader01", "password": PASSWORD})
    assert api.status_code == 429
    assert api.json()["error"] == "too_many_attempts"
    assert await DeviceSession.all().count() == 0
    # Another leader is not locked out by someone else's failures.
    other = await form_login(client, "leader02")
    assert other.status_code == 303


async def test_the_wait_passes(client, world):
    for _ in range(5):
        await form_login(client, "leader01", password="wrong")
    await LoginThrottle.all().update(last_failure_at=now_utc() - timedelta(minutes=16))
    assert (await form_login(client, "leader01")).status_code == 303


async def test_logout_ends_the_session_on_the_server(client, world):
    token = await api_login(client, "leader01")
    response = await client.post("/logout", data={"_csrf": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?logged_out=1"
    session = await DeviceSession.get(user=world.users["leader01"])
    assert session.ended_at is not None
    # The old cookie no longer works even if a copy of it is replayed.
    client.cookies.set(COOKIE_NAME, "")
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_logout_without_csrf_token_is_refused_and_the_session_stays(client, world):
    await api_login(client, "leader01")
    missing = await client.post("/logout", data={})
    assert missing.status_code == 403
    assert "页面已过期" in missing.text
    wrong = await client.post("/logout", data={"_csrf": "forged"})
    assert wrong.status_code == 403
    api = await client.post("/api/auth/logout")
    assert api.status_code == 403
    assert api.json()["error"] == "csrf_failed"
    assert (await client.get("/api/auth/me")).status_code == 200


async def test_api_logout_with_the_token_header(client, world):
    token = await api_login(client, "leader01")
    response = await client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_cross_site_post_is_refused_even_with_the_token(client, world):
    token = await api_login(client, "leader01")
    response = await client.post(
        "/api/auth/logout", headers={"X-CSRFToken": token, "Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    login = await client.post(
        "/login", data={"username": "leader01", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert login.status_code == 403


async def test_revoked_session_is_told_so(client, world):
    await api_login(client, "leader01")
    await DeviceSession.filter(user=world.users["leader01"]).update(revoked_at=now_utc())
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json() == {"error": "session_revoked"}
    page = await client.get("/")
    assert page.status_code == 303
    assert "revoked=1" in page.headers["location"]
    notice = await client.get(page.headers["location"])
    assert "已被管理员注销登录" in notice.text


async def test_deactivated_user_cannot_log_in_and_live_sessions_are_revoked(client, world):
    await api_login(client, "leader01")
    world.users["leader01"].active = False
    await world.users["leader01"].save()
    assert (await client.get("/api/auth/me")).json() == {"error": "session_revoked"}
    response = await form_login(client, "leader01")
    assert response.status_code == 401


async def test_expired_session_is_told_so(client, world):
    await api_login(client, "leader01")
    await DeviceSession.filter(user=world.users["leader01"]).update(expires_at=now_utc() - timedelta(seconds=1))
    response = await client.get("/api/auth/me")
    assert response.json() == {"error": "session_expired"}


async def test_sessions_are_per_device(client, world):
    await api_login(client, "leader01")
    client.cookies.clear()
    await api_login(client, "leader01")
    assert await DeviceSession.filter(user=world.users["leader01"]).count() == 2


async def test_security_headers_on_pages_and_api(client, world):
    for path in ("/login", "/api/auth/me"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"


async def test_language_switch_anonymous_and_per_user(client, world):
    anonymous = await client.post("/locale", data={"locale": "en", "next": "/login"})
    assert anonymous.status_code == 303
    assert "louzu_locale=en" in anonymous.headers["set-cookie"]
    assert "Log in" in (await client.get("/login")).text
    client.cookies.clear()
    token = await api_login(client, "leader01")
    refused = await client.post("/locale", data={"locale": "en"})
    assert refused.status_code == 403
    saved = await client.post("/locale", data={"locale": "en", "_csrf": token})
    assert saved.status_code == 303
    await world.users["leader01"].refresh_from_db()
    assert world.users["leader01"].locale == "en"
    odd = await client.post("/locale", data={"locale": "xx", "_csrf": token})
    assert odd.status_code == 303
    await world.users["leader01"].refresh_from_db()
    assert world.users["leader01"].locale == "zh_Hans"


async def test_static_assets_carry_nosniff_but_not_the_document_policy(client, db):
    script = await client.get("/static/vendor/htmx-2.0.11.min.js")
    assert script.status_code == 200
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in script.headers
    icon = await client.get("/static/icons/icon.svg")
    assert "content-security-policy" in icon.headers
