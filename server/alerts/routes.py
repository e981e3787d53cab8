"""`/office/live` (the open dashboard's question) and `/admin/alerts` (where a committee's alerts go)."""

from __future__ import annotations

import httpx
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect

from server import audit
from server.alerts import webhook
from server.alerts.delivery import site_address
from server.alerts.live import live_state
from server.alerts.webhook import Message, WebhookRefused, check_webhook_url, masked
from server.auth.guards import role_required
from server.core.pages import Pages
from server.core.render import path_for
from server.core.staff_pages import community_id, current_user, staff_render
from server.models import Alert, AlertSetting, Role
from server.settings import app_settings
from sync.vocabulary import N_

RECENT_ALERTS = 30
STATE_WORDS = {
    "pending": N_("等待发送"),
    "sending": N_("正在发送"),
    "sent": N_("已发送"),
    "failed": N_("发送失败，不再重试"),
    "skipped": N_("未发送（没有设置群机器人，或记录已撤回、作废）"),
}
KIND_WORDS = {"urgent_visit": N_("紧急走访记录"), "answer": N_("楼组长回答了问题")}
SAVED_NOTICES = {
    "saved": N_("群机器人地址已保存。新的紧急记录和回答会发到这个群。"),
    "removed": N_("群机器人地址已删除，不再发送群消息。"),
    "none": N_("没有改动。"),
    "tested": N_("测试消息已发出，请到群里看一看。"),
}


class OfficeLive(Controller):
    path = "/office/live"
    tags = ["office (pages)"]
    include_in_schema = False  # the dashboard's own script asks it; not an API for others
    guards = [role_required(Role.OFFICE, Role.ADMIN)]

    @get("/", name="office_live")
    async def live(self, request: Request) -> Response:
        """For the open dashboard (office_live.js): urgent entries waiting, and a stamp that
        changes when the dashboard may show something else (then it fetches itself again)."""
        state = await live_state(community_id(request))
        return Response(state.to_json(), headers={"cache-control": "no-store"})


class AdminAlerts(Pages):
    path = "/admin/alerts"
    guards = [role_required(Role.ADMIN)]

    @get("/", name="admin_alerts")
    async def page(self, request: Request, saved: FromQuery[str | None] = None) -> Response:
        """The committee's chat group robot (shown masked) and the latest alerts with their outcome."""
        return await self._page(request, notice=SAVED_NOTICES.get(saved or "", ""))

    async def _page(self, request: Request, status_code: int = 200, error: str = "", notice: str = "",
                    problem: str = "", problem_detail: str = "") -> Response:
        setting = await AlertSetting.get_or_none(community_id=community_id(request))
        alerts = await Alert.filter(community_id=community_id(request)).select_related(
            "visit__household", "visit__author"
        ).order_by("-id").limit(RECENT_ALERTS)
        return staff_render(
            request, "admin/alerts.html", "alerts", status_code=status_code, error=error, notice=notice,
            problem=problem, problem_detail=problem_detail,
            webhook=masked(setting.webhook_url) if setting else "", alerts=alerts,
            link_base=site_address(app_settings(request), setting),
            state_words=STATE_WORDS, kind_words=KIND_WORDS,
        )

    @post("/", name="admin_alerts_save")
    async def save(self, request: Request) -> Response:
        """Sets or removes the webhook; audited without the address (it holds the robot's key)."""
        form = await request.form()
        settings = app_settings(request)
        setting = await AlertSetting.get_or_none(community_id=community_id(request))
        if form.get("remove"):
            if setting is None or not setting.webhook_url:
                return Redirect(path_for(request, "admin_alerts", saved="none"), status_code=303)
            setting.webhook_url = ""
            setting.updated_by = current_user(request)
            await setting.save()
            await audit.record(request, "alert_webhook_removed", target_type="community",
                               target_id=community_id(request))
            return Redirect(path_for(request, "admin_alerts", saved="removed"), status_code=303)
        text = str(form.get("webhook_url") or "").strip()
        if not text:
            return Redirect(path_for(request, "admin_alerts", saved="none"), status_code=303)
        try:
            url = check_webhook_url(text, settings)
        except WebhookRefused as refused:
            return await self._page(request, 400, str(refused))
        site = str(request.base_url).rstrip("/")
        if setting is None:
            setting = AlertSetting(community_id=community_id(request))
        setting.webhook_url, setting.site_url, setting.updated_by = url, site, current_user(request)
        await setting.save()
        await audit.record(request, "alert_webhook_set", target_type="community", target_id=community_id(request),
                           webhook=masked(url))
        return Redirect(path_for(request, "admin_alerts", saved="saved"), status_code=303)

    @post("/test", name="admin_alerts_test")
    async def test(self, request: Request) -> Response:
        """Posts a test message (no entry, no names) to the robot now; audited with the outcome."""
        setting = await AlertSetting.get_or_none(community_id=community_id(request))
        if setting is None or not setting.webhook_url:
            return await self._page(request, 400, problem=N_("还没有设置群机器人地址，请先保存地址。"))
        message = Message("楼组通 · 测试消息", ("群消息提醒已设置好：有紧急记录或楼组长的回答时，会发到这个群。",),
                          f"{site_address(app_settings(request), setting)}/office")
        async with httpx.AsyncClient(follow_redirects=False) as client:
            outcome = await webhook.post(client, setting.webhook_url, message.payload(setting.webhook_url))
        await audit.record(request, "alert_test", target_type="community", target_id=community_id(request),
                           ok=outcome.ok, error=outcome.error)
        if outcome.ok:
            return Redirect(path_for(request, "admin_alerts", saved="tested"), status_code=303)
        return await self._page(
            request, 400, problem=N_("测试消息没有发出去。请检查地址是否完整、机器人是否还在群里，稍后再试。"),
            problem_detail=outcome.error,
        )
