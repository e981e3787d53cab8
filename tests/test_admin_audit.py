"""The audit log page: admin and office of the same community read it, filtered by action,
actor and date; nobody sees another community's rows."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from server.models import AuditEvent
from tests.factories import api_login
from tests.office_factories import make_visit

ROW = re.compile(r"<tr>\s*<td class=\"nowrap\">(.*?)</tr>", re.S)


async def test_office_reads_the_log_and_filters_it(client, world):
    visit = await make_visit(world)
    token = await api_login(client, "office")
    await client.post(f"/office/visits/{visit.id}/review", data={"_csrf": token, "to_state": "keep", "comment": "看过了"})
    await client.get("/office/visits.csv")
    await AuditEvent.create(community=world.community, actor=world.users["admin"], action="account_updated",
                            target_type="user", target_id=str(world.users["leader01"].id), detail={"display_name": {"from": "甲", "to": "乙"}})
    old = await AuditEvent.create(community=world.community, actor=world.users["admin"], action="session_revoked",
                                  target_type="session", target_id="1")
    await AuditEvent.filter(id=old.id).update(at=datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc))
    await AuditEvent.create(community=world.other_community, actor=world.users["office_other"], action="export_csv",
                            detail={"rows": 99})

    everything = await client.get("/admin/audit")
    assert everything.status_code == 200
    rows = ROW.findall(everything.text)
    assert len(rows) == 5  # login, comment, export, account change, revocation — not the other community's
    assert "导出 CSV" in everything.text and "填写意见" in everything.text and "看过了" in everything.text
    assert "乙" in everything.text and "\\u" not in everything.text  # details readable in Chinese
    # (Matched with its key: a random visit id in a row may well contain "99".)
    assert "别处办公室" not in everything.text and "rows: 99" not in "".join(rows)

    by_action = ROW.findall((await client.get("/admin/audit?action=review_comment")).text)
    assert len(by_action) == 1 and "看过了" in by_action[0]
    by_actor = ROW.findall((await client.get(f"/admin/audit?actor={world.users['admin'].id}")).text)
    assert len(by_actor) == 2
    by_date = ROW.findall((await client.get("/admin/audit?date_from=2026-01-05&date_to=2026-01-05")).text)
    assert len(by_date) == 1 and "注销设备" in by_date[0]


async def test_bad_audit_filters_are_explained(client, world):
    await api_login(client, "admin")
    response = await client.get(f"/admin/audit?actor={world.users['office_other'].id}&date_from=yesterday")
    assert response.status_code == 200
    assert 'id="error-actor"' in response.text and "本居委会没有这个账号。" in response.text
    assert 'id="error-date_from"' in response.text


async def test_other_community_sees_only_its_own_log(client, world):
    await api_login(client, "office")  # a login row for our community
    await api_login(client, "office_other")
    html = (await client.get("/admin/audit")).text
    rows = ROW.findall(html)
    assert len(rows) == 1 and "别处办公室" in rows[0]
    assert "居委办公室" not in html
