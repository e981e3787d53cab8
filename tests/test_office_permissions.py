"""Every office and admin route × every kind of caller: allowed, or refused the right way.

The routes are read from the app itself, so a new /office or /admin route without a line in
MATRIX fails here until someone decides who may use it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from server.models import (
    AuditEvent, DeviceSession, Household, QuestionState, Resident, Role, RosterChange, RosterUpload, User, Visit,
    VisitQuestion,
)
from tests.factories import make_user
from tests.app_routes import app_routes
from tests.office_factories import make_device, make_question, make_roster_change, make_visit

OFFICE = {"office", "admin"}
ADMIN = {"admin"}
# (method, path as the app names it) -> who may use it. Paths with {ids} name an object of
# the first community: callers from another community must get 404 for them, not 403.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/office"): OFFICE,
    ("GET", "/office/visits.csv"): OFFICE,
    ("GET", "/office/visits.xlsx"): OFFICE,
    ("GET", "/office/visits/{visit_id:str}"): OFFICE,
    ("POST", "/office/visits/{visit_id:str}/review"): OFFICE,
    ("POST", "/office/visits/{visit_id:str}/void"): OFFICE,
    ("POST", "/office/visits/{visit_id:str}/restore"): OFFICE,
    ("POST", "/office/visits/{visit_id:str}/follow-up"): OFFICE,
    ("POST", "/office/visits/{visit_id:str}/send-back"): OFFICE,
    ("POST", "/office/questions/{question_id:int}/close"): OFFICE,
    ("GET", "/office/roster"): OFFICE,
    ("POST", "/office/roster/{change_id:str}/approve"): OFFICE,
    ("POST", "/office/roster/{change_id:str}/reject"): OFFICE,
    ("GET", "/office/households/{household_id:int}"): OFFICE,
    ("POST", "/office/households/{household_id:int}"): OFFICE,
    ("POST", "/office/households/{household_id:int}/residents/{resident_id:int}"): OFFICE,
    ("POST", "/office/households/{household_id:int}/residents"): OFFICE,
    ("POST", "/office/households/{household_id:int}/group"): OFFICE,
    ("POST", "/office/roster/approve-selected"): OFFICE,
    ("GET", "/office/groups"): OFFICE,
    ("POST", "/office/groups"): OFFICE,
    ("GET", "/office/groups/{group_id:int}"): OFFICE,
    ("POST", "/office/groups/{group_id:int}"): OFFICE,
    ("POST", "/office/groups/{group_id:int}/leaders"): OFFICE,
    ("POST", "/office/groups/{group_id:int}/households"): OFFICE,
    ("GET", "/office/residents"): OFFICE,
    ("GET", "/office/roster/template.xlsx"): OFFICE,
    ("GET", "/office/roster/export.xlsx"): OFFICE,
    ("GET", "/office/roster/import"): OFFICE,
    ("POST", "/office/roster/import"): OFFICE,
    ("POST", "/office/roster/import/{upload_id:int}/confirm"): OFFICE,
    ("GET", "/office/follow-ups"): OFFICE,
    ("GET", "/office/checks"): OFFICE,
    ("POST", "/office/checks/rules"): OFFICE,
    ("GET", "/office/monthly"): OFFICE,
    ("POST", "/office/monthly/close"): OFFICE,
    ("GET", "/office/monthly/late"): OFFICE,
    ("GET", "/office/monthly.pdf"): OFFICE,
    ("GET", "/office/monthly.xlsx"): OFFICE,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("GET", "/admin/users/new"): ADMIN,
    ("GET", "/admin/users/{user_id:int}"): ADMIN,
    ("POST", "/admin/users/{user_id:int}"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/password"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/deactivate"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/activate"): ADMIN,
    ("POST", "/admin/users/{user_id:int}/devices/{session_id:int}/revoke"): ADMIN,
    ("GET", "/admin/audit"): OFFICE,
    ("GET", "/admin/cards"): ADMIN,
    ("POST", "/admin/cards"): ADMIN,
    ("GET", "/office/live"): OFFICE,
    ("GET", "/admin/alerts"): ADMIN,
    ("POST", "/admin/alerts"): ADMIN,
    ("POST", "/admin/alerts/test"): ADMIN,
}
CALLERS = ("anonymous", "leader01", "office", "admin", "office_other", "admin_other")
# Text that only this community's pages contain: a caller from elsewhere must never see it.
OURS = "天山路680弄"


def test_every_office_and_admin_route_is_in_the_matrix():
    assert app_routes(r"^/(office|admin)(/|$)") == set(MATRIX), "add the new route to MATRIX with who may use it"


@pytest.fixture
async def callers(world, clients):
    await make_user("admin_other", Role.ADMIN, world.other_community, display_name="别处管理员")
    # The accounts the admin routes act on, so acting on them does not lock out the callers.
    spare = await make_user("spare_leader", Role.LEADER, world.community, [world.groups[0]])
    device = await make_device(spare, label="丢失的手机")
    visit = await make_visit(world, status="urgent", notes="楼道里有煤气味")
    question = await make_question(world, visit, "煤气公司来过了吗？")
    # Its resident's phone is what our office's harmless approve changes (seen at the end).
    change = await make_roster_change(world, resident=world.residents["li"], proposed={"phone": "13900001111"})
    # Already imported: confirming it again is refused with a notice, so the calls import nothing.
    upload = await RosterUpload.create(
        community=world.community, uploaded_by=world.users["office"], filename="名单.csv", content=b"",
        sha256="0" * 64, size=0, imported_at=datetime.now(timezone.utc),
    )
    logged = {"anonymous": clients.anonymous(), **await clients.login_all(*CALLERS[1:])}
    return {
        "clients": logged, "csrf": clients.csrf, "visit": visit, "spare": spare, "device": device,
        "question": question, "change": change, "household": world.households[0], "resident": world.residents["li"],
        "group": world.groups[0],
        "upload": upload,
    }


def fill(path: str, ctx) -> str:
    return (
        path.replace("{visit_id:str}", str(ctx["visit"].id))
        .replace("{user_id:int}", str(ctx["spare"].id))
        .replace("{session_id:int}", str(ctx["device"].id))
        .replace("{question_id:int}", str(ctx["question"].id))
        .replace("{change_id:str}", str(ctx["change"].id))
        .replace("{household_id:int}", str(ctx["household"].id))
        .replace("{resident_id:int}", str(ctx["resident"].id))
        .replace("{group_id:int}", str(ctx["group"].id))
        .replace("{upload_id:int}", str(ctx["upload"].id))
    )


async def call(ctx, caller: str, method: str, path: str):
    client = ctx["clients"][caller]
    url = fill(path, ctx)
    if method == "GET":
        return await client.get(url)
    # A harmless body: the handler runs (and refuses or no-ops), nothing of note changes.
    data = {"_csrf": ctx["csrf"].get(caller, "")}
    if path.endswith("/password"):
        data["password"] = "short"
    return await client.post(url, data=data)


async def test_permission_matrix(callers):
    ctx = callers
    problems = []
    for (method, path), allowed in sorted(MATRIX.items()):
        for caller in CALLERS:
            response = await call(ctx, caller, method, path)
            status, location = response.status_code, response.headers.get("location", "")
            has_ids = "{" in path
            foreign = caller.endswith("_other")
            role = caller.removesuffix("_other") if foreign else caller.rstrip("0123456789")
            if caller == "anonymous":
                ok = status == 303 and location.startswith("/login")
                expected = "303 to /login"
            elif role not in allowed:
                ok = status == 403
                expected = "403"
            elif foreign and has_ids:
                ok = status == 404
                expected = "404 (foreign object)"
            else:
                ok = status in (200, 303, 400) and not location.startswith("/login")
                if ok and foreign and status == 200:
                    body = response.content.decode("utf-8", "replace")
                    ok = OURS not in body
                expected = "allowed" + (" without our data" if foreign else "")
            if not ok:
                problems.append(f"{method} {path} as {caller}: got {status} {location!r}, expected {expected}")
    assert not problems, "\n".join(problems)
    # Nothing the foreign callers sent touched this community: no state change, no audit row.
    visit = await Visit.get(id=ctx["visit"].id)
    assert visit.review_state == "new" and visit.follow_up_assignee_id is None
    foreign_actors = await User.filter(username__in=["office_other", "admin_other"]).values_list("id", flat=True)
    ours = [str(ctx["visit"].id), str(ctx["spare"].id), str(ctx["device"].id)]
    assert not await AuditEvent.filter(actor_id__in=foreign_actors, target_id__in=ours).exists()
    assert not await AuditEvent.filter(actor_id__in=foreign_actors, community_id=ctx["visit"].community_id).exists()
    # Our admin's harmless calls did act: the spare phone is revoked, by our admin.
    assert (await DeviceSession.get(id=ctx["device"].id)).revoked_at is not None
    # Our office's did too (closed the question, approved the proposal); the empty forms
    # (send-back, household, resident, group, leaders, new household or resident, another group,
    # approve-selected with nothing ticked) were refused and changed nothing.
    assert (await VisitQuestion.get(id=ctx["question"].id)).state == QuestionState.CLOSED
    assert (await RosterChange.get(id=ctx["change"].id)).decided_by_id == (await User.get(username="office")).id
    assert (await Resident.get(id=ctx["resident"].id)).phone == "13900001111"
    assert await VisitQuestion.all().count() == 1
    assert (await Household.get(id=ctx["household"].id)).address == ctx["household"].address
    assert not await AuditEvent.filter(action__in=[
        "household_updated", "resident_updated", "visit_sent_back", "household_created", "household_moved",
        "resident_created", "group_created", "group_updated", "group_leaders_updated", "visit_voided",
        "visit_restored",
    ]).exists()
    assert (await Visit.get(id=ctx["visit"].id)).voided_at is None  # a void needs its reason
    # The roster import: no upload without a file, nothing imported (the one upload was done).
    assert await RosterUpload.all().count() == 1 and not await AuditEvent.filter(action="roster_imported").exists()
    assert await world_counts() == (2, 6, 6)
    leader = await User.get(username="leader01")
    assert {g.id for g in await leader.building_groups} == {ctx["group"].id}


async def world_counts() -> tuple[int, int, int]:
    """Our community's groups, households and residents (the foreign callers' must not grow either)."""
    from server.models import BuildingGroup

    community = (await User.get(username="office")).community_id
    return (
        await BuildingGroup.filter(community_id=community).count(), await Household.filter(community_id=community).count(),
        await Resident.filter(community_id=community).count(),
    )


async def test_api_caller_without_session_gets_json_401(client, world):
    # The JSON side of "anonymous": the office pages are HTML, the API answers 401 JSON.
    response = await client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"] in ("session_expired", "session_revoked")


async def test_foreign_and_malformed_visit_ids_are_404(client, world):
    from tests.factories import api_login

    foreign = await make_visit(world, household=world.other_household, author="leader_other")
    await api_login(client, "office")
    assert (await client.get(f"/office/visits/{foreign.id}")).status_code == 404
    assert (await client.get("/office/visits/not-a-uuid")).status_code == 404
    assert (await client.get("/admin/audit")).status_code == 200
