"""Every route outside /office and /admin × every kind of caller: allowed, or refused the right way.

The routes are read from the app, so a new route without a line in MATRIX fails here until
someone decides who may use it (the office and admin routes have their own matrix).
"""

from __future__ import annotations


import pytest

from server.models import Visit
from tests.app_routes import app_routes
from tests.office_factories import make_question, make_visit

PUBLIC, LOGGED_IN, LEADER = "public", "logged in", "leader"
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/locale"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("GET", "/sw.js"): PUBLIC,
    ("GET", "/manifest.webmanifest"): PUBLIC,
    ("GET", "/offline"): PUBLIC,
    ("GET", "/c/{token:str}"): PUBLIC,
    ("POST", "/c/{token:str}"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/"): LOGGED_IN,
    ("POST", "/logout"): LOGGED_IN,
    ("POST", "/api/auth/logout"): LOGGED_IN,
    ("GET", "/api/auth/me"): LOGGED_IN,
    ("GET", "/api/sync/manifest"): LOGGED_IN,
    ("POST", "/api/sync/push"): LOGGED_IN,
    ("GET", "/phone"): LOGGED_IN,
    ("GET", "/households/search"): LEADER,
    ("GET", "/households/{household_id:int}"): LEADER,
    ("POST", "/households/{household_id:int}/visits"): LEADER,
    ("GET", "/households/{household_id:int}/roster"): LEADER,
    ("POST", "/households/{household_id:int}/roster"): LEADER,
    ("GET", "/visits/mine"): LEADER,
    ("POST", "/questions/{question_id:int}/answer"): LEADER,
}
CALLERS = ("anonymous", "leader01", "leader02", "office", "admin", "leader_other")


def test_every_route_is_in_the_matrix():
    routes = app_routes(r"^/(office|admin|static|api/schema)(/|$)", matching=False)
    assert routes == set(MATRIX), "add the new route to MATRIX with who may use it"


@pytest.fixture
async def callers(world, clients):
    visit = await make_visit(world, notes="请再问一下")
    question = await make_question(world, visit)
    logged = {"anonymous": clients.anonymous(), **await clients.login_all(*CALLERS[1:])}
    return {
        "clients": logged, "csrf": dict(clients.csrf), "household": world.households[0], "question": question,
        "login": clients.login, "fresh_csrf": clients.csrf,
    }


async def call(ctx, caller: str, method: str, path: str):
    url = path.replace("{household_id:int}", str(ctx["household"].id)).replace(
        "{question_id:int}", str(ctx["question"].id)
    ).replace("{token:str}", "abcde-fghjk-mnpqr")  # a sign-in card link: well formed, unknown
    client, token = ctx["clients"][caller], ctx["csrf"].get(caller, "")
    if "logout" in path and caller != "anonymous":
        # Logging out ends a session: use a fresh one, keeping the caller's own for the rest.
        client = await ctx["login"](caller)
        token = ctx["fresh_csrf"][caller]
    if method == "GET":
        return await client.get(url)
    if path.startswith("/api/"):
        # An empty batch: the guards decide, nothing is written.
        return await client.post(url, json={"protocol": 1, "device_id": "test", "records": []},
                                 headers={"X-CSRFToken": token})
    return await client.post(url, data={"_csrf": token})


def judge(level: str, caller: str, path: str, response) -> tuple[bool, str]:
    status, location = response.status_code, response.headers.get("location", "")
    to_login = status == 303 and location.startswith("/login")
    if caller == "anonymous" and level != PUBLIC:
        if path.startswith("/api/"):
            return status == 401 and response.json()["error"] == "session_expired", "401 session_expired"
        return to_login, "303 to /login"
    if level == LEADER and caller in ("office", "admin"):
        return status == 403, "403"
    # leader02 leads another building group; leader_other is in another community.
    if level == LEADER and "{" in path and caller in ("leader02", "leader_other"):
        return status == 404, "404 (not theirs)"
    logged_out = location == "/login?logged_out=1"  # what a successful logout answers
    return status < 500 and status not in (401, 403) and (not to_login or logged_out), "allowed"


async def test_permission_matrix(callers):
    problems = []
    for (method, path), level in sorted(MATRIX.items()):
        for caller in CALLERS:
            response = await call(callers, caller, method, path)
            ok, expected = judge(level, caller, path, response)
            if not ok:
                problems.append(f"{method} {path} as {caller}: got {response.status_code}, expected {expected}")
    assert not problems, "\n".join(problems)
    # The refused callers wrote nothing: the only visit is the one the test made.
    assert await Visit.all().count() == 1
