"""Alerts for urgent entries: queued from what the push stored, sent once to the chat group's
robot (a fake one on a local port), through chat outages and app restarts, never with notes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from server.alerts import delivery
from server.alerts.queue import queue_new_alerts
from server.alerts.webhook import Message
from server.alerts.worker import run_once
from server.app import create_app
from server.models import Alert, AlertSetting, AlertState, AuditEvent, Visit
from tests.alert_robot import FakeRobot
from tests.office_factories import Clients, make_question, make_visit
from tests.record_factories import answer_record
from tests.test_sync_api import envelope, visit_record

NOTES = "老人在卫生间摔倒，已叫120，邻居张桂英在场"


@pytest.fixture
def alert_settings(settings):
    # Quick looks and quick retries; the fake robot lives on 127.0.0.1 over http.
    return settings.with_(alert_worker=True, alert_poll_seconds=0.05, alert_retry_base_seconds=0.2,
                          alert_webhook_hosts=("127.0.0.1",))


@pytest.fixture
async def clients(world, alert_settings):
    clients = Clients(alert_settings)
    yield clients
    await clients.close()


async def set_robot(clients: Clients, url: str) -> httpx.Response:
    admin = await clients.login("admin")
    return await admin.post("/admin/alerts", data={"_csrf": clients.csrf["admin"], "webhook_url": url})


async def push(clients: Clients, *records) -> list[dict]:
    leader = await clients.login("leader01")
    response = await leader.post("/api/sync/push", json=envelope(*records),
                                 headers={"X-CSRFToken": clients.csrf["leader01"]})
    assert response.status_code == 200, response.text
    return response.json()["results"]


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_urgent_push_reaches_the_robot_once_through_an_outage_and_restarts(world, clients, alert_settings):
    async with FakeRobot(fail_first=2) as robot:
        assert (await set_robot(clients, robot.url)).status_code == 303
        urgent = visit_record(world.households[2], status="urgent", notes=NOTES,
                              resident_ids=[world.residents["zhang"].id])
        calm = visit_record(world.households[0], status="ok", notes="一切安好")
        assert [r["status"] for r in await push(clients, urgent, calm)] == ["applied", "applied"]

        # Three runs of the app, each stopped (a restart) after the robot saw one more post.
        for tries in (1, 2, 3):
            app = create_app(alert_settings, manage_db=False)
            async with app.lifespan():
                async def tried() -> bool:
                    alert = await Alert.get_or_none(source_key=f"urgent_visit:{urgent['id']}")
                    return len(robot.posts) >= tries and alert is not None and alert.state != AlertState.SENDING
                await wait_for(tried)
        alert = await Alert.get(source_key=f"urgent_visit:{urgent['id']}")
        assert (alert.state, alert.attempts) == (AlertState.SENT, 3)

        # Another run afterwards sends nothing more.
        async with create_app(alert_settings, manage_db=False).lifespan():
            await asyncio.sleep(0.5)

    assert len(robot.posts) == 3 and len(robot.accepted) == 1
    assert await Alert.all().count() == 1  # nothing for the visit that was not urgent
    text = robot.accepted[0]["markdown"]["content"]
    assert robot.accepted[0]["msgtype"] == "markdown"
    for shown in ("紧急", "天山路680弄16号503室", "老人看望", "王秀英", f"/office/visits/{urgent['id']}"):
        assert shown in text
    for hidden in ("摔倒", "120", "张桂英", NOTES):
        assert hidden not in text, hidden
    assert text.count("http://127.0.0.1") == 1  # the link: the admin's own address
    sent = await AuditEvent.filter(action="alert_sent")
    assert [(e.target_id, e.community_id, e.actor_id) for e in sent] == [(urgent["id"], world.community.id, None)]
    assert not await AuditEvent.filter(action="alert_failed").exists()


async def test_queueing_is_idempotent_and_only_for_urgent_entries_that_count(world):
    now = datetime.now(timezone.utc)
    urgent = await make_visit(world, 2, status="urgent", notes=NOTES)
    await make_visit(world, 1, status="concern")
    await make_visit(world, 0, status="urgent", withdrawn=True)
    await make_visit(world, 3, status="urgent", voided_at=now)
    await make_visit(world, 4, now - timedelta(days=3), status="urgent")  # arrived days ago
    assert await queue_new_alerts(now) == 1
    assert await queue_new_alerts(now) == 0
    await asyncio.gather(queue_new_alerts(now), queue_new_alerts(now))  # two processes at once
    assert await Alert.all().values_list("source_key", flat=True) == [f"urgent_visit:{urgent.id}"]


async def test_a_visit_changed_to_urgent_alerts_once(world, clients):
    record = visit_record(world.households[0], status="concern")
    await push(clients, record)
    now = datetime.now(timezone.utc)
    assert await queue_new_alerts(now) == 0
    update = {**record, "op": "update", "base_version": 1, "data": {**record["data"], "status": "urgent"}}
    assert (await push(clients, update))[0]["status"] == "applied"
    assert await queue_new_alerts(now) == 1
    again = {**update, "base_version": 2, "data": {**update["data"], "notes": "补充：已联系家属"}}
    assert (await push(clients, again))[0]["status"] == "applied"
    assert await queue_new_alerts(now) == 0


async def test_an_answer_alerts_without_its_text(world, clients, alert_settings):
    visit = await make_visit(world, 0, status="concern", notes=NOTES)
    question = await make_question(world, visit)
    async with FakeRobot() as robot:
        await set_robot(clients, robot.url)
        record = answer_record(question, "老人说是降压药，李建国已经提醒按时吃。")
        assert (await push(clients, record))[0]["status"] == "applied"
        async with httpx.AsyncClient() as http:
            await run_once(alert_settings, http)
    [payload] = robot.accepted
    text = payload["markdown"]["content"]
    assert "回答" in text and "王秀英" in text and f"/office/visits/{visit.id}#question-{question.id}" in text
    for hidden in ("降压药", "李建国", "摔倒"):
        assert hidden not in text


async def test_nothing_leaves_without_a_robot_and_old_alerts_stay_unsent(world, clients, alert_settings):
    await make_visit(world, 2, status="urgent")
    async with httpx.AsyncClient() as http:
        assert await run_once(alert_settings, http) == 0
        assert await Alert.all().values_list("state", flat=True) == [AlertState.SKIPPED]
        async with FakeRobot() as robot:
            await set_robot(clients, robot.url)  # set afterwards: the skipped one is not sent late
            assert await run_once(alert_settings, http) == 0
        assert robot.posts == []


async def test_an_alert_for_a_visit_voided_before_sending_is_skipped(world, clients, alert_settings):
    visit = await make_visit(world, 2, status="urgent")
    async with FakeRobot() as robot:
        await set_robot(clients, robot.url)
        await queue_new_alerts(datetime.now(timezone.utc))
        await Visit.filter(id=visit.id).update(voided_at=datetime.now(timezone.utc))
        async with httpx.AsyncClient() as http:
            await run_once(alert_settings, http)
    assert robot.posts == [] and (await Alert.get()).state == AlertState.SKIPPED


async def test_two_senders_at_once_send_it_once(world, clients, alert_settings):
    await make_visit(world, 2, status="urgent")
    async with FakeRobot() as robot:
        await set_robot(clients, robot.url)
        await queue_new_alerts(datetime.now(timezone.utc))
        async with httpx.AsyncClient() as one, httpx.AsyncClient() as two:
            for _ in range(3):
                await asyncio.gather(run_once(alert_settings, one), run_once(alert_settings, two))
    assert len(robot.posts) == 1


async def test_a_sender_that_died_mid_send_is_replaced_after_its_lease(world, clients, alert_settings):
    await make_visit(world, 2, status="urgent")
    async with FakeRobot() as robot:
        await set_robot(clients, robot.url)
        now = datetime.now(timezone.utc)
        await queue_new_alerts(now)
        # Claimed by a process that then died: nobody sends it while its lease holds ...
        alert = await Alert.get()
        await Alert.filter(id=alert.id).update(state=AlertState.SENDING, claim="dead", attempts=1,
                                               lease_until=now + timedelta(minutes=1))
        async with httpx.AsyncClient() as http:
            await run_once(alert_settings, http)
            assert robot.posts == []
            # ... and once it has run out, the alert goes (this is where at-least-once remains).
            await Alert.filter(id=alert.id).update(lease_until=now - timedelta(seconds=1))
            await run_once(alert_settings, http)
    assert len(robot.accepted) == 1
    alert = await Alert.get()
    assert (alert.state, alert.attempts, alert.claim) == (AlertState.SENT, 2, "")


async def test_gives_up_after_the_last_try_and_says_so(world, clients, alert_settings, monkeypatch):
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 3)
    visit = await make_visit(world, 2, status="urgent")
    async with FakeRobot(always_fail=True) as robot:
        await set_robot(clients, robot.url)
        async with httpx.AsyncClient() as http:
            async def given_up() -> bool:
                await run_once(alert_settings, http)
                return (await Alert.get()).state == AlertState.FAILED
            await wait_for(given_up)
    assert len(robot.posts) == 3
    alert = await Alert.get()
    assert alert.last_error == "HTTP 500" and alert.attempts == 3
    [failed] = await AuditEvent.filter(action="alert_failed")
    assert failed.target_id == str(visit.id) and failed.detail["attempts"] == 3


def test_backoff_doubles_up_to_its_cap():
    delays = [delivery.retry_delay(n, 15).total_seconds() for n in (1, 2, 3, 12)]
    assert 15 <= delays[0] < 16.6 and 30 <= delays[1] < 33.1 and 60 <= delays[2] < 66.1
    assert 1800 <= delays[3] <= 1980


def test_dingtalk_gets_its_own_markdown_keys():
    message = Message("楼组通 · 紧急走访记录", ("地址：天山路680弄16号503室",), "https://louzu.example/office/visits/x")
    ding = message.payload("https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert ding["msgtype"] == "markdown" and set(ding["markdown"]) == {"title", "text"}
    assert "楼组通" in ding["markdown"]["text"]  # DingTalk robots often require a keyword
    wecom = message.payload("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    assert set(wecom["markdown"]) == {"content"}


async def test_admin_sets_the_robot_shown_masked_and_refuses_other_addresses(world, settings):
    # The deployment's own rules: https to one of the two robot services only.
    clients = Clients(settings.with_(enable_test_hooks=False))
    try:
        admin = await clients.login("admin")
        token = clients.csrf["admin"]
        key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
        good = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}"
        for bad in ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "https://evil.example/send?key=1",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "file:///etc/passwd", "不是地址"):
            response = await admin.post("/admin/alerts", data={"_csrf": token, "webhook_url": bad})
            assert response.status_code == 400 and 'class="field-error"' in response.text, bad
        assert not await AlertSetting.exists()
        response = await admin.post("/admin/alerts", data={"_csrf": token, "webhook_url": good})
        assert response.status_code == 303
        assert (await AlertSetting.get()).webhook_url == good
        page = (await admin.get("/admin/alerts")).text
        assert "qyapi.weixin.qq.com/cgi-bin/webhook/send?…5aaa" in page and key not in page
        [event] = await AuditEvent.filter(action="alert_webhook_set")
        assert key not in str(event.detail)
        # The office sees nothing of it; another committee's admin sets their own.
        assert (await (await clients.login("office")).get("/admin/alerts")).status_code == 403
        await admin.post("/admin/alerts", data={"_csrf": token, "remove": "1"})
        assert (await AlertSetting.get()).webhook_url == ""
    finally:
        await clients.close()


async def test_live_answers_the_urgent_count_and_a_stamp_that_moves(world, clients):
    office = await clients.login("office")
    first = (await office.get("/office/live")).json()
    assert first["urgent"] == 0
    assert (await office.get("/office/live")).json() == first  # nothing changed: same stamp
    await make_visit(world, 2, status="urgent")
    await make_visit(world, 1, status="urgent", withdrawn=True)
    second = (await office.get("/office/live")).json()
    assert second["urgent"] == 1 and second["stamp"] != first["stamp"]
    page = await office.get("/office")
    assert "<title>(1) 紧急 · 走访记录" in page.text and f'data-live-stamp="{second["stamp"]}"' in page.text
    # The office takes it up: the count goes, the stamp moves again; so does a later state.
    await Visit.filter(review_state="new", status="urgent", withdrawn=False).update(review_state="acknowledged")
    third = (await office.get("/office/live")).json()
    assert third["urgent"] == 0 and third["stamp"] != second["stamp"]
    await Visit.filter(review_state="acknowledged").update(review_state="in_progress")
    assert (await office.get("/office/live")).json()["stamp"] != third["stamp"]
    other = await clients.login("office_other")
    assert (await other.get("/office/live")).json()["urgent"] == 0


async def test_admin_sends_a_test_message_and_sees_whether_it_went(world, clients):
    admin = await clients.login("admin")
    token = clients.csrf["admin"]
    refused = await admin.post("/admin/alerts/test", data={"_csrf": token})
    assert refused.status_code == 400 and "还没有设置群机器人地址" in refused.text
    async with FakeRobot(fail_first=1) as robot:
        await set_robot(clients, robot.url)
        failed = await admin.post("/admin/alerts/test", data={"_csrf": token})
        assert failed.status_code == 400 and "测试消息没有发出去" in failed.text and "HTTP 500" in failed.text
        sent = await admin.post("/admin/alerts/test", data={"_csrf": token})
        assert sent.status_code == 303 and sent.headers["location"] == "/admin/alerts?saved=tested"
    assert "测试消息" in robot.accepted[0]["markdown"]["content"]
    assert [e.detail["ok"] for e in await AuditEvent.filter(action="alert_test").order_by("id")] == [False, True]
    assert not await Alert.exists()  # a test is not an alert
