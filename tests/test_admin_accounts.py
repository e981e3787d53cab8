"""Accounts for an admin: create leader and office accounts, groups, password reset,
deactivation, devices and revoking a lost phone — all audited, all within one community."""

from __future__ import annotations

from server.auth.passwords import NO_PASSWORD, verify_password
from server.models import AuditEvent, DeviceSession, Role, User
from tests.factories import api_login
from tests.office_factories import make_device

STRONG = "晨练后去菜场-2026"


async def test_admin_creates_a_leader_with_groups(client, world):
    token = await api_login(client, "admin")
    response = await client.post("/admin/users", data={
        "_csrf": token, "username": "leader03", "display_name": "周阿姨", "role": "leader",
        "groups": [str(world.groups[0].id), str(world.groups[1].id)], "password": STRONG,
    })
    assert response.status_code == 303, response.text
    user = await User.get(username="leader03").prefetch_related("building_groups")
    assert response.headers["location"] == f"/admin/users/{user.id}?saved=created"
    assert user.role == Role.LEADER and user.community_id == world.community.id and user.active
    assert sorted(g.id for g in user.building_groups) == [world.groups[0].id, world.groups[1].id]
    assert verify_password(user.password_hash, STRONG) and STRONG not in user.password_hash
    audit = await AuditEvent.get(action="account_created")
    assert audit.actor_id == world.users["admin"].id and audit.target_id == str(user.id)
    assert "周阿姨" in (await client.get("/admin/users")).text
    # The new leader can log in with that password.
    assert (await client.post("/api/auth/login", json={"username": "leader03", "password": STRONG})).status_code == 200


async def test_a_leader_may_start_without_a_password_and_sign_in_with_a_card(client, world):
    token = await api_login(client, "admin")
    response = await client.post("/admin/users", data={
        "_csrf": token, "username": "leader03", "display_name": "周阿姨", "role": "leader",
        "groups": [str(world.groups[0].id)], "password": "",
    })
    assert response.status_code == 303, response.text
    user = await User.get(username="leader03")
    assert user.password_hash == NO_PASSWORD
    audit = await AuditEvent.get(action="account_created")
    assert audit.detail["password_set"] is False
    # No password signs in, the empty one included; the card page offers this leader.
    for password in ("", "!", STRONG):
        login = await client.post("/api/auth/login", json={"username": "leader03", "password": password})
        assert login.status_code != 200
    cards = await client.get(f"/admin/cards?user={user.id}")
    assert cards.status_code == 200 and "周阿姨" in cards.text


async def test_an_office_account_needs_a_password(client, world):
    token = await api_login(client, "admin")
    response = await client.post("/admin/users", data={
        "_csrf": token, "username": "office2", "display_name": "某某", "role": "office", "password": "",
    })
    assert response.status_code == 400
    assert 'id="error-password"' in response.text and "办公室和管理员账号必须设置密码。" in response.text
    assert not await User.filter(username="office2").exists()


async def test_bad_account_forms_store_nothing_and_say_why_next_to_the_field(client, world):
    token = await api_login(client, "admin")
    cases = [
        ({"username": "leader04", "role": "leader", "groups": [str(world.groups[0].id)], "password": "12345"},
         "password", "密码至少需要 10 个字符。"),
        ({"username": "leader04", "role": "leader", "groups": [str(world.groups[0].id)], "password": "1234567890"},
         "password", "这个密码太常见或太简单，请换一个。"),
        ({"username": "Leader01", "role": "leader", "groups": [str(world.groups[0].id)], "password": STRONG},
         "username", "这个用户名已经有人用了。"),
        ({"username": "x", "role": "leader", "groups": [str(world.groups[0].id)], "password": STRONG},
         "username", "用户名只能用字母、数字、下划线和连字符"),
        ({"username": "leader04", "role": "leader", "password": STRONG}, "groups", "楼组长至少要负责一个楼组。"),
        ({"username": "office2", "role": "office", "groups": [str(world.groups[0].id)], "password": STRONG},
         "groups", "只有楼组长才分配楼组。"),
        ({"username": "leader04", "role": "admin", "groups": [], "password": STRONG}, "role", "请选择楼组长或办公室。"),
    ]
    other_group = (await world.other_household.building_group).id
    cases.append(({"username": "leader04", "role": "leader", "groups": [str(other_group)], "password": STRONG},
                  "groups", "只能选择本居委会的楼组。"))
    for fields, field, message in cases:
        response = await client.post("/admin/users", data={"_csrf": token, "display_name": "某某", **fields})
        assert response.status_code == 400, fields
        assert f'id="error-{field}"' in response.text and message in response.text, (fields, field)
        assert fields["password"] not in response.text.split("<form")[1]  # a password is never echoed
    assert await User.all().count() == 6
    assert not await AuditEvent.filter(action="account_created").exists()


async def test_edit_groups_and_name(client, world):
    token = await api_login(client, "admin")
    leader = world.users["leader01"]
    response = await client.post(f"/admin/users/{leader.id}", data={
        "_csrf": token, "display_name": "王秀英（组长）", "groups": [str(world.groups[1].id)]})
    assert response.status_code == 303
    leader = await User.get(id=leader.id).prefetch_related("building_groups")
    assert leader.display_name == "王秀英（组长）" and [g.id for g in leader.building_groups] == [world.groups[1].id]
    audit = await AuditEvent.get(action="account_updated")
    assert audit.detail["building_groups"] == {"from": [1], "to": [2]}
    refused = await client.post(f"/admin/users/{leader.id}", data={"_csrf": token, "display_name": "王秀英"})
    assert refused.status_code == 400 and "楼组长至少要负责一个楼组。" in refused.text
    assert [g.id for g in await (await User.get(id=leader.id)).building_groups] == [world.groups[1].id]


async def test_password_reset_logs_the_user_out_everywhere_without_wiping(world, clients):
    admin = await clients.login("admin")
    phone = await clients.login("leader01")
    leader = world.users["leader01"]
    weak = await admin.post(f"/admin/users/{leader.id}/password", data={"_csrf": clients.csrf["admin"], "password": "leader01abc"})
    assert weak.status_code == 400 and "密码不能包含用户名。" in weak.text
    assert (await phone.get("/api/auth/me")).status_code == 200  # nothing changed yet
    done = await admin.post(f"/admin/users/{leader.id}/password", data={"_csrf": clients.csrf["admin"], "password": STRONG})
    assert done.status_code == 303
    # Ended, not revoked: the phone is asked to log in again and keeps its outbox.
    me = await phone.get("/api/auth/me")
    assert me.status_code == 401 and me.json() == {"error": "session_expired"}
    assert verify_password((await User.get(id=leader.id)).password_hash, STRONG)
    audit = await AuditEvent.get(action="account_password_reset")
    assert audit.detail["sessions_ended"] == 1 and audit.target_id == str(leader.id)
    assert (await admin.get("/admin/users")).status_code == 200  # the admin's own session lives on


async def test_deactivate_revokes_devices_and_blocks_login(world, clients):
    admin = await clients.login("admin")
    phone = await clients.login("leader02")
    leader = world.users["leader02"]
    me = world.users["admin"]
    own = await admin.post(f"/admin/users/{me.id}/deactivate", data={"_csrf": clients.csrf["admin"]})
    assert own.status_code == 400 and "不能停用自己正在使用的账号。" in own.text
    assert (await User.get(id=me.id)).active

    assert (await admin.post(f"/admin/users/{leader.id}/deactivate", data={"_csrf": clients.csrf["admin"]})).status_code == 303
    assert not (await User.get(id=leader.id)).active
    assert (await phone.get("/api/auth/me")).json() == {"error": "session_revoked"}
    assert not await DeviceSession.filter(user_id=leader.id, revoked_at__isnull=True).exists()
    login = await clients.anonymous().post("/api/auth/login", json={"username": "leader02", "password": "test-password-楼组"})
    assert login.status_code == 401
    assert (await admin.post(f"/admin/users/{leader.id}/activate", data={"_csrf": clients.csrf["admin"]})).status_code == 303
    assert (await User.get(id=leader.id)).active
    # Old sessions stay revoked after reactivation: a fresh login is needed.
    assert (await phone.get("/api/auth/me")).status_code == 401
    actions = await AuditEvent.filter(target_id=str(leader.id)).order_by("id").values_list("action", flat=True)
    assert [a for a in actions if a.startswith("account_")] == ["account_deactivated", "account_activated"]


async def test_revoked_phone_gets_session_revoked_at_its_next_request(world, clients):
    admin = await clients.login("admin")
    phone = await clients.login("leader01")
    other_phone = await clients.login("leader01")
    leader = world.users["leader01"]
    sessions = await DeviceSession.filter(user_id=leader.id).order_by("id")
    phone_session, other_session = sessions
    page = (await admin.get(f"/admin/users/{leader.id}")).text
    assert page.count("注销这台设备") == 2 and "从未同步" in page

    response = await admin.post(
        f"/admin/users/{leader.id}/devices/{phone_session.id}/revoke", data={"_csrf": clients.csrf["admin"]}
    )
    assert response.status_code == 303
    me = await phone.get("/api/auth/me")
    assert me.status_code == 401 and me.json() == {"error": "session_revoked"}
    assert (await other_phone.get("/api/auth/me")).status_code == 200  # only that device
    audit = await AuditEvent.get(action="session_revoked")
    assert audit.target_id == str(phone_session.id) and audit.actor_id == world.users["admin"].id
    assert "已注销（管理员）" in (await admin.get(f"/admin/users/{leader.id}")).text
    # A session of someone else named under this user is not found.
    office_device = await make_device(world.users["office"])
    wrong = await admin.post(f"/admin/users/{leader.id}/devices/{office_device.id}/revoke",
                             data={"_csrf": clients.csrf["admin"]})
    assert wrong.status_code == 404
    assert (await DeviceSession.get(id=office_device.id)).revoked_at is None
    assert (await DeviceSession.get(id=other_session.id)).revoked_at is None


async def test_device_list_shows_last_sync(client, world):
    from datetime import datetime, timedelta, timezone

    leader = world.users["leader02"]
    await make_device(leader, label="Mozilla/5.0 (Linux; Android 12; Redmi)", last_sync_at=datetime.now(timezone.utc) - timedelta(hours=2))
    await api_login(client, "admin")
    html = (await client.get(f"/admin/users/{leader.id}")).text
    assert "Redmi" in html and "使用中" in html and "从未同步" not in html


async def test_admin_of_another_community_cannot_touch_ours(world, clients):
    from tests.factories import make_user

    await make_user("admin_other", Role.ADMIN, world.other_community)
    device = await make_device(world.users["leader01"])
    other = await clients.login("admin_other")
    token = clients.csrf["admin_other"]
    leader = world.users["leader01"]
    assert (await other.get(f"/admin/users/{leader.id}")).status_code == 404
    assert (await other.post(f"/admin/users/{leader.id}/devices/{device.id}/revoke", data={"_csrf": token})).status_code == 404
    assert (await other.post(f"/admin/users/{leader.id}/password", data={"_csrf": token, "password": STRONG})).status_code == 404
    assert "王秀英" not in (await other.get("/admin/users")).text
    assert (await DeviceSession.get(id=device.id)).revoked_at is None
    # Groups of another community cannot be given to its accounts either.
    response = await other.post("/admin/users", data={
        "_csrf": token, "username": "leader09", "display_name": "某", "role": "leader",
        "groups": [str(world.groups[0].id)], "password": STRONG})
    assert response.status_code == 400 and not await User.filter(username="leader09").exists()
