"""The offline pieces over HTTP: the offline manifest (GET /api/sync/manifest), the service
worker at root scope, the web app manifest, the offline page and the phone status page."""

from __future__ import annotations

import json
import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from server.models import Household, Resident, ReviewState, Visit
from server.office import review
from server.offline.routes import TEST_RELEASE_FILE
from server.settings import WEB_DIR
from server.static_files.version import ASSET_VERSION
from tests.factories import api_login

MANIFEST = "/api/sync/manifest"


async def versions(client) -> dict[str, str]:
    response = await client.get(MANIFEST)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["protocol"] == 1
    return {page["url"]: page["version"] for page in body["pages"]}


async def push_visit(client, token, household) -> str:
    record_id = str(uuid.uuid4())
    occurred = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(timespec="seconds")
    record = {
        "id": record_id, "type": "visit", "op": "create", "base_version": None, "client_time": occurred,
        "data": {"household_id": household.id, "resident_ids": [], "kind": "routine", "occurred_at": occurred,
                 "status": "ok", "notes": "", "follow_up_needed": False, "follow_up_due": None},
    }
    response = await client.post(
        "/api/sync/push", json={"protocol": 1, "device_id": "d", "records": [record]}, headers={"X-CSRFToken": token}
    )
    assert response.json()["results"][0]["status"] == "applied", response.text
    return record_id


@contextmanager
def counting_queries():
    """Counts the SQL statements run inside the block, on whichever store the tests use."""
    count = [0]
    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute_query", "execute_query_dict"):
            for cls in _all_subclasses(BaseDBAsyncClient):
                original = cls.__dict__.get(name)
                if original is None:
                    continue

                def counted(self, *args, _original=original, **kwargs):
                    count[0] += 1
                    return _original(self, *args, **kwargs)

                patch.setattr(cls, name, counted)
        yield count


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


async def test_a_leader_keeps_their_own_pages_and_nobody_elses(client, world):
    await api_login(client, "leader01")
    response = await client.get(MANIFEST)
    body = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert body["user"] == {"id": world.users["leader01"].id, "display_name": "王秀英", "role": "leader"}
    assert datetime.strptime(body["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
    urls = [page["url"] for page in body["pages"]]
    assert urls == ["/", "/visits/mine", "/phone", "/offline"] + [f"/households/{h.id}" for h in world.households[:3]] + [
        f"/households/{h.id}/roster" for h in world.households[:3]
    ]
    assert all(re.fullmatch(r"[0-9a-f]{20}", page["version"]) for page in body["pages"])


async def test_a_group_of_another_committee_assigned_by_mistake_is_not_kept_on_the_phone(client, world):
    """The one leader scope (server/leader/scope.py) filters by the leader's community first; the
    manifest once read every group the leader was linked to, whatever its committee."""
    foreign_group = await world.other_household.building_group
    await world.users["leader01"].building_groups.add(foreign_group)
    await api_login(client, "leader01")
    urls = set(await versions(client))
    assert f"/households/{world.other_household.id}" not in urls
    assert {f"/households/{h.id}" for h in world.households[:3]} <= urls


async def test_a_visit_changes_only_the_pages_that_show_it(client, world):
    token = await api_login(client, "leader01")
    before = await versions(client)
    await push_visit(client, token, world.households[0])
    after = await versions(client)
    changed = {url for url in before if before[url] != after[url]}
    assert changed == {"/", "/visits/mine", f"/households/{world.households[0].id}"}


async def test_an_office_review_changes_the_leaders_pages_that_show_the_visit(client, world):
    token = await api_login(client, "leader01")
    visit_id = await push_visit(client, token, world.households[0])
    before = await versions(client)
    # The office's review as its page does it (server/office/review.py).
    await review.change_state(None, await Visit.get(id=visit_id), world.users["office"], ReviewState.ACKNOWLEDGED.value, "")
    after = await versions(client)
    changed = {url for url in before if before[url] != after[url]}
    assert changed == {"/", "/visits/mine", f"/households/{world.households[0].id}"}
    # A comment is not shown to leaders: their phones need fetch nothing for it.
    await review.add_comment(None, await Visit.get(id=visit_id), world.users["office"], "已电话联系家属")
    assert await versions(client) == after


async def test_a_roster_change_changes_its_household_and_a_move_drops_it(client, world):
    await api_login(client, "leader01")
    household = world.households[1]
    before = await versions(client)
    resident = world.residents["zhao"]
    resident.phone = "13800000000"
    await resident.save()
    after = await versions(client)
    assert before[f"/households/{household.id}"] != after[f"/households/{household.id}"]
    assert before[f"/households/{world.households[2].id}"] == after[f"/households/{world.households[2].id}"]

    household.building_group = world.groups[1]  # now leader02's
    await household.save()
    assert f"/households/{household.id}" not in await versions(client)


async def test_a_new_login_changes_every_page_that_carries_the_session_token(client, world):
    await api_login(client, "leader01")
    before = await versions(client)
    await api_login(client, "leader01")
    after = await versions(client)
    assert {url for url in before if before[url] == after[url]} == {"/offline"}


async def test_the_manifest_takes_the_same_few_queries_for_3_or_30_households(client, world):
    await api_login(client, "leader01")
    with counting_queries() as few:
        await versions(client)
    group = world.groups[0]
    for n in range(27):
        household = await Household.create(community=world.community, building_group=group, room=f"9{n:02d}",
                                           address=f"{group.name}9{n:02d}室")
        await Resident.create(community=world.community, household=household, name=f"居民{n}", gender="F",
                              birth_year=1940)
    with counting_queries() as many:
        pages = await versions(client)
    assert len(pages) == 4 + 30 * 2  # each household's page and its roster page
    assert few[0] == many[0] <= 12, (few[0], many[0])


async def test_office_and_admin_keep_only_the_offline_page(client, world):
    for username in ("office", "admin"):
        await api_login(client, username)
        assert list(await versions(client)) == ["/offline"]


async def test_the_manifest_without_a_session_answers_session_expired(client, world):
    response = await client.get(MANIFEST)
    assert response.status_code == 401
    assert response.json() == {"error": "session_expired"}


async def test_the_service_worker_is_served_from_the_root_with_its_release(client, db, settings):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    assert f'const RELEASE = "{ASSET_VERSION}";' in response.text
    assert "__LOUZU_" not in response.text

    release = settings.data_dir / TEST_RELEASE_FILE
    release.write_text("9.9.9-test")
    try:
        newer = await client.get("/sw.js")
    finally:
        release.unlink()
    assert 'const RELEASE = "9.9.9-test";' in newer.text


async def test_the_release_override_is_ignored_unless_test_hooks_are_on(db, settings):
    import httpx

    from server.app import create_app

    app = create_app(settings.with_(enable_test_hooks=False), manage_db=False)
    release = settings.data_dir / TEST_RELEASE_FILE
    release.write_text("9.9.9-test")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as plain:
            text = (await plain.get("/sw.js")).text
    finally:
        release.unlink()
    assert f'const RELEASE = "{ASSET_VERSION}";' in text


async def test_the_web_app_manifest_makes_an_installable_app(client, db):
    response = await client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "楼组通" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any("maskable" in icon["purpose"] for icon in manifest["icons"])
    for icon in manifest["icons"]:
        served = await client.get(icon["src"])
        assert served.status_code == 200 and served.headers["content-type"] == icon["type"]
        if icon["type"] == "image/png":
            width, height = int.from_bytes(served.content[16:20], "big"), int.from_bytes(served.content[20:24], "big")
            assert f"{width}x{height}" == icon["sizes"]


async def test_the_offline_page_carries_nothing_of_the_user(client, world):
    token = await api_login(client, "leader01")
    response = await client.get("/offline")
    assert response.status_code == 200
    assert "现在没有信号" in response.text
    assert "王秀英" not in response.text and token not in response.text and "csrf-token" not in response.text


async def test_the_phone_page_needs_a_login(client, world):
    response = await client.get("/phone")
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/phone")


async def test_every_leader_page_says_what_waits_and_when_it_last_synced(client, world):
    token = await api_login(client, "leader01")
    page = (await client.get("/phone")).text
    assert 'id="sync-status" class="sync-status" data-pending="0"' in page
    assert "手机上没有等待上传的记录" in page and not re.search(r"上次同步 \d", page)
    await push_visit(client, token, world.households[0])
    home = (await client.get("/")).text
    assert re.search(r"上次同步 \d\d:\d\d", home)
    assert 'rel="manifest" href="/manifest.webmanifest"' in home


@pytest.mark.parametrize("template", sorted(p.relative_to(WEB_DIR) for p in (WEB_DIR / "templates").rglob("*.html")))
def test_no_template_carries_inline_script_or_style(template):
    """The CSP refuses them (script-src 'self', style-src 'self'): they would silently not work."""
    text = (WEB_DIR / template).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\sstyle\s*=", text) and "<style" not in text, "inline style"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"


async def test_a_question_from_the_office_changes_the_household_page_and_home(client, world):
    from tests.office_factories import make_question, make_visit

    await api_login(client, "leader01")
    visit = await make_visit(world, household_index=0)
    before = await versions(client)
    await make_question(world, visit, "老人的药买到了吗？")
    after = await versions(client)
    changed = {url for url in before if before[url] != after[url]}
    household = world.households[0].id
    assert changed == {"/", f"/households/{household}", f"/households/{household}/roster"}
