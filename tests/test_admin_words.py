"""Words, not codes, where staff look (issue 11): the audit log and the devices list."""

from __future__ import annotations

import re

from server.models import AuditEvent
from tests.factories import api_login
from tests.office_factories import make_device, make_visit

ROW = re.compile(r"<tr>\s*<td class=\"nowrap\">(.*?)</tr>", re.S)
HUAWEI_WEBVIEW = ("Mozilla/5.0 (Linux; Android 10; NOH-AN00 Build/HUAWEINOH-AN00; wv) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Version/4.0 Chrome/88.0.4324.93 Mobile Safari/537.36")
OPPO = ("Mozilla/5.0 (Linux; Android 11; PEGM00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.106 "
        "Mobile Safari/537.36 HeyTapBrowser/40.7.24.9")
WECHAT = ("Mozilla/5.0 (Linux; Android 13; 22081212C Build/TKQ1.220829.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5049 MicroMessenger/8.0.37.2380(0x2800253B) "
          "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Mobile/15E148 Safari/604.1")
REDUCED_CHROME = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
                  "Mobile Safari/537.36")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_audit_log_says_what_happened_in_words(client, world):
    visit = await make_visit(world)
    token = await api_login(client, "office")
    for state in ("acknowledged", "in_progress"):
        moved = await client.post(f"/office/visits/{visit.id}/review", data={"_csrf": token, "to_state": state})
        assert moved.status_code == 303
    await client.get("/office/visits.csv")
    leader = world.users["leader01"]
    await AuditEvent.create(community=world.community, actor=world.users["admin"], action="account_password_reset",
                            target_type="user", target_id=str(leader.id),
                            detail={"username": "leader01", "sessions_ended": 2})
    await AuditEvent.create(community=world.community, actor=world.users["admin"], action="session_revoked",
                            target_type="session", target_id="7",
                            detail={"user_id": leader.id, "username": "leader01", "device_label": HUAWEI_WEBVIEW})
    await AuditEvent.create(community=world.community, actor=world.users["admin"], action="account_created",
                            target_type="user", target_id=str(leader.id),
                            detail={"role": "leader", "building_groups": [1, 2], "password_set": False})
    html = (await client.get("/admin/audit")).text
    shown = _text("".join(ROW.findall(html)))
    assert "处理状态：已确认 → 处理中" in shown, shown
    assert "from_state" not in shown and "in_progress" not in shown and "acknowledged" not in shown
    assert "visit" not in shown and "走访记录" in shown  # the export's object, in words
    assert f"账号 {leader.id}" not in shown and "王秀英" in shown  # a person by name
    assert "退出登录的设备：2" in shown
    assert "华为 NOH-AN00" in shown and "Mozilla" not in shown
    assert "角色：楼组长" in shown and "设了密码：否" in shown and "楼组：1、2" in shown
    assert "role" not in shown and "password_set" not in shown and "True" not in shown and "False" not in shown


async def test_data_in_the_audit_log_is_shown_as_data(client, world):
    # A comment is data: escaped, never a template's translation or format string.
    await AuditEvent.create(community=world.community, actor=world.users["office"], action="review_comment",
                            target_type="visit", target_id="x", detail={"comment": "<b>50%</b> %(x)s 登录"})
    await api_login(client, "office")
    html = (await client.get("/admin/audit")).text
    assert "&lt;b&gt;50%&lt;/b&gt; %(x)s 登录" in html and "<b>50%" not in html


async def test_devices_are_named_as_people_say_them(client, world):
    leader = world.users["leader01"]
    for label in (HUAWEI_WEBVIEW, OPPO, WECHAT, IPHONE, REDUCED_CHROME, "", "<script>alert(1)</script>"):
        await make_device(leader, label=label)
    await api_login(client, "admin")
    html = (await client.get(f"/admin/users/{leader.id}")).text
    cells = [_text(cell).strip() for cell in re.findall(r'<td class="device">(.*?)</td>', html, re.S)]
    assert "华为 NOH-AN00 · 应用内浏览器" in cells
    assert "OPPO PEGM00 · OPPO 浏览器" in cells
    assert "Android 13 22081212C · 微信" in cells
    assert "iPhone · Safari" in cells
    assert "Android 10 · Chrome" in cells
    assert "（未知设备）" in cells
    assert not any("Mozilla" in cell or "AppleWebKit" in cell for cell in cells)
    assert "<script>alert(1)" not in html


async def test_devices_and_audit_words_in_english(client, world):
    leader = world.users["leader01"]
    await make_device(leader, label=HUAWEI_WEBVIEW)
    await api_login(client, "admin")
    client.cookies.set("louzu_locale", "en")
    await client.post("/locale", data={"locale": "en", "_csrf": (await client.get("/api/auth/me")).json()["csrf_token"]})
    html = _text((await client.get(f"/admin/users/{leader.id}")).text)
    assert "Huawei NOH-AN00 · In-app browser" in html
