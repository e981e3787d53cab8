"""`/office...`: the committee office's pages. Queries live beside, in their own modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream

from server import audit, metrics
from server.alerts.live import live_state
from server.auth.guards import role_required
from server.auth.routes import safe_next
from server.core.dates import Month, today_shanghai
from server.core.errors import found
from server.core.pages import Pages
from server.core.render import path_for
from server.core.staff_pages import (
    attachment_headers,
    community_id,
    current_community,
    current_user,
    staff_render,
)
from server.models import Community, Role, Visit
from server.office import review, send_back, void
from server.office.coverage import coverage, parse_rules
from server.office.export_job import exported
from server.office.filters import (
    VisitFilters,
    filter_choices,
    parse_filters,
    visit_queryset,
)
from server.office.follow_ups import effective_due, follow_up_list, is_overdue
from server.office.group_routes import GroupRoutes
from server.office.monthly import MonthlyRoutes
from server.office.queries import (
    community_visit,
    dashboard_page,
    office_staff,
    visit_detail,
)
from server.office.roster_routes import RosterRoutes
from server.settings import app_settings
from sync.vocabulary import N_

SAVED_NOTICES = {
    "state": N_("处理状态已更改。"),
    "comment": N_("意见已保存。"),
    "follow_up": N_("跟进安排已保存。"),
    "none": N_("没有改动。"),
    "rules": N_("看望周期已保存。"),
    "send_back": N_("已退回楼组长补充。楼组长的手机同步后，会在首页和这户的页面上看到问题。"),
    "question_closed": N_("问题已关闭。"),
    "voided": N_("这条记录已作废：不再计入任何统计和待办。楼组长的手机同步后会看到作废和原因。"),
    "restored": N_("这条记录已恢复，重新计入统计。"),
}


async def provide_filters(
    request: Request,
    group: FromQuery[str | None] = None,
    leader: FromQuery[str | None] = None,
    kind: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    review: FromQuery[str | None] = None,
    date_from: FromQuery[str | None] = None,
    date_to: FromQuery[str | None] = None,
    void: FromQuery[str | None] = None,
    page: FromQuery[str | None] = None,
) -> VisitFilters:
    """The dashboard's filters (shared by the exports); invalid ones are reported, not applied."""
    choices = await filter_choices(community_id(request))
    filters = parse_filters(
        {"group": group, "leader": leader, "kind": kind, "status": status, "review": review,
         "date_from": date_from, "date_to": date_to, "void": void, "page": page},
        choices,
    )
    return filters


FILTERS = {"filters": Provide(provide_filters)}


async def _visit_or_404(request: Request, visit_id: str) -> Visit:
    return found(await community_visit(community_id(request), visit_id))


async def _visit_page(
    request: Request, visit: Visit, status_code: int = 200, errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None, notice: str = "",
) -> Response:
    detail = await visit_detail(visit)
    return staff_render(
        request, "office/visit.html", "dashboard", status_code=status_code, d=detail, v=visit,
        targets=review.allowed_targets(visit.review_state), errors=errors or {}, form=form or {},
        notice=notice, today=today_shanghai(), effective_due=effective_due(visit),
        overdue=is_overdue(visit, today_shanghai()), is_follow_up=review.is_follow_up(visit),
    )


async def _act_on_visit(
    request: Request, visit_id: str, act: Callable[..., Awaitable[Any]], field: str, saved: str, anchor: str = ""
) -> Response:
    """`act(request, visit, user, text)` with the text of the form's `field`; then back to the
    visit page saying `saved`, or that page with the refusal next to the field (and the text as
    typed). Void, restore and send back are each one such act."""
    visit = await _visit_or_404(request, visit_id)
    form = await request.form()
    try:
        await act(request, visit, current_user(request), form.get(field))
    except review.ReviewRefused as refused:
        return await _visit_page(request, visit, 400, {refused.field: refused.message}, {field: form.get(field, "")})
    return Redirect(path_for(request, "office_visit", visit_id=visit.id, saved=saved, _anchor=anchor), status_code=303)


EXPORT_TYPES = {
    # Litestar adds "; charset=utf-8" to every text/ type itself (given here too, it came twice).
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export_response(request: Request, community: int | None, filters: VisitFilters, kind: str) -> Stream:
    """Streamed as it is built (chunked), by a process of its own (export_job): memory stays
    flat and the phones' pushes are not held up."""
    filename = f"louzu-visits-{today_shanghai().strftime('%Y%m%d')}.{kind}"
    return Stream(
        metrics.counted_export(kind, exported(kind, community, filters, app_settings(request))),
        media_type=EXPORT_TYPES[kind], headers=attachment_headers(filename),
    )


# The roster and group routes live in their own modules and are mixed in, so they share this
# controller's path and guards without another controller to register in server/app.py.
class OfficePages(RosterRoutes, GroupRoutes, MonthlyRoutes, Pages):
    path = "/office"
    guards = [role_required(Role.OFFICE, Role.ADMIN)]

    @get("/", name="office_dashboard", dependencies=FILTERS)
    async def dashboard(self, request: Request, filters: NamedDependency[VisitFilters]) -> Response:
        """Visits of the user's community: new first, urgent → concern → ok, newest first; what
        was sent back to leaders and waits for an answer, and the answers not yet read."""
        result = await dashboard_page(community_id(request), filters)
        return staff_render(
            request, "office/dashboard.html", "dashboard", filters=filters, result=result,
            send_backs=await send_back.send_back_overview(community_id(request)),
            live=await live_state(community_id(request)), poll_seconds=app_settings(request).live_poll_seconds,
        )

    @get("/visits.csv", name="office_export_csv", dependencies=FILTERS)
    async def export_csv(self, request: Request, filters: NamedDependency[VisitFilters]) -> Response | Stream:
        """The dashboard's filtered visits as CSV (UTF-8 with BOM); written to the audit log."""
        return await self._export(request, filters, "csv")

    @get("/visits.xlsx", name="office_export_xlsx", dependencies=FILTERS)
    async def export_xlsx(self, request: Request, filters: NamedDependency[VisitFilters]) -> Response | Stream:
        """The dashboard's filtered visits as an Excel workbook; written to the audit log."""
        return await self._export(request, filters, "xlsx")

    async def _export(self, request: Request, filters: VisitFilters, kind: str) -> Response | Stream:
        if filters.errors:
            # Never hand out a file that is not what was asked for.
            result = await dashboard_page(community_id(request), filters)
            return staff_render(
                request, "office/dashboard.html", "dashboard", status_code=400, filters=filters, result=result,
                export_refused=True,
            )
        # Audited before the first byte leaves (rows: what matched when the export began).
        await audit.record(
            request, f"export_{kind}", target_type="visit", target_id="", filters=filters.applied(),
            rows=await visit_queryset(community_id(request), filters).count(),
        )
        return _export_response(request, community_id(request), filters, kind)

    @get("/visits/{visit_id:str}", name="office_visit")
    async def visit(self, request: Request, visit_id: FromPath[str], saved: FromQuery[str | None] = None) -> Response:
        """One visit: household, residents, earlier visits, and everything that happened to it."""
        visit = await _visit_or_404(request, visit_id)
        return await _visit_page(request, visit, notice=SAVED_NOTICES.get(saved or "", ""))

    @post("/visits/{visit_id:str}/review", name="office_visit_review")
    async def change_review(self, request: Request, visit_id: FromPath[str]) -> Response:
        """The visit page's one form: a new review state (allowed moves only) or none, and the
        comment typed with it; on a refusal both come back as typed."""
        visit = await _visit_or_404(request, visit_id)
        form = await request.form()
        try:
            saved = await review.save_review(
                request, visit, current_user(request), form.get("to_state"), form.get("comment")
            )
        except review.ReviewRefused as refused:
            visit = await _visit_or_404(request, visit_id)
            return await _visit_page(
                request, visit, 400, {refused.field: refused.message},
                {"comment": form.get("comment", ""), "to_state": form.get("to_state", "")},
            )
        return Redirect(self._back(request, form, visit, saved), status_code=303)

    @post("/visits/{visit_id:str}/void", name="office_visit_void")
    async def void_visit(self, request: Request, visit_id: FromPath[str]) -> Response:
        """Voids (作废) a mistaken or doubled visit, with a reason its leader sees; audited."""
        return await _act_on_visit(request, visit_id, void.void_visit, "void_reason", "voided")

    @post("/visits/{visit_id:str}/restore", name="office_visit_restore")
    async def restore_visit(self, request: Request, visit_id: FromPath[str]) -> Response:
        """Undoes a void (恢复): the visit counts again; audited, the void stays in its history."""
        return await _act_on_visit(request, visit_id, void.restore_visit, "restore_comment", "restored")

    @post("/visits/{visit_id:str}/follow-up", name="office_visit_follow_up")
    async def follow_up(self, request: Request, visit_id: FromPath[str]) -> Response:
        """Sets the responsible person and the office's due date of a follow-up."""
        visit = await _visit_or_404(request, visit_id)
        form = await request.form()
        try:
            staff = await office_staff(visit.community_id)
            change = review.parse_follow_up(form.get("assignee"), form.get("office_due"), staff)
            event = await review.set_follow_up(
                request, visit, current_user(request), change, form.get("follow_up_comment")
            )
        except review.ReviewRefused as refused:
            field = "follow_up_comment" if refused.field == "comment" else refused.field
            return await _visit_page(request, visit, 400, {field: refused.message}, dict(form))
        return Redirect(self._back(request, form, visit, "follow_up" if event else "none"), status_code=303)

    @post("/visits/{visit_id:str}/send-back", name="office_visit_send_back")
    async def send_back_visit(self, request: Request, visit_id: FromPath[str]) -> Response:
        """Sends the visit back to its leader with a question (需补充); shown on their phone."""
        return await _act_on_visit(request, visit_id, send_back.send_back, "question", "send_back", "send-back")

    @post("/questions/{question_id:int}/close", name="office_question_close")
    async def close_question(self, request: Request, question_id: FromPath[int]) -> Response:
        """Closes a send-back question: its answer is read, or no answer is needed any more."""
        question = found(await send_back.community_question(community_id(request), question_id))
        visit = await _visit_or_404(request, str(question.visit_id))
        try:
            await send_back.close_question(request, question, current_user(request))
        except review.ReviewRefused as refused:
            return await _visit_page(request, visit, 400, {"question": refused.message})
        return Redirect(path_for(request, "office_visit", visit_id=visit.id, saved="question_closed", _anchor="send-back"), status_code=303)

    @staticmethod
    def _back(request: Request, form: Any, visit: Visit, saved: str) -> str:
        target = safe_next(form.get("next"))
        if target.startswith(path_for(request, "office_dashboard")):
            return target
        return path_for(request, "office_visit", visit_id=visit.id, saved=saved)

    @get("/follow-ups", name="office_follow_ups")
    async def follow_ups(self, request: Request, show: FromQuery[str] = "open") -> Response:
        """Open, overdue, my and closed follow-ups; closing one is resolving its visit."""
        today = today_shanghai()
        listing = await follow_up_list(community_id(request), current_user(request).id, show, today)
        return staff_render(
            request, "office/follow_ups.html", "follow_ups", listing=listing, today=today,
            effective_due=effective_due, is_overdue=is_overdue,
        )

    @get("/checks", name="office_checks")
    async def checks(self, request: Request, saved: FromQuery[str | None] = None) -> Response:
        """Elderly-check coverage per building group this month; the check intervals."""
        community = await current_community(request)
        return await self._checks_page(request, community, notice=SAVED_NOTICES.get(saved or "", ""))

    async def _checks_page(
        self, request: Request, community: Community, status_code: int = 200, errors: dict | None = None,
        form: dict | None = None, notice: str = "",
    ) -> Response:
        today = today_shanghai()
        month = Month(today.year, today.month)
        return staff_render(
            request, "office/checks.html", "checks", status_code=status_code,
            cov=await coverage(community, month, today), rules=community.rules(), errors=errors or {},
            form=form or {}, notice=notice,
        )

    @post("/checks/rules", name="office_check_rules")
    async def save_rules(self, request: Request) -> Response:
        """Changes the check interval per care flag (1–365 days); audited."""
        community = await current_community(request)
        form = dict(await request.form())
        before = community.rules()
        rules, errors = parse_rules(form, before)
        if errors:
            return await self._checks_page(request, community, 400, errors, form)
        if rules != before:
            community.check_rules = rules
            await community.save(update_fields=["check_rules"])
            await audit.record(
                request, "check_rules_update", target_type="community", target_id=community.id,
                before=before, after=rules,
            )
            return Redirect(path_for(request, "office_checks", saved="rules", _anchor="rules"), status_code=303)
        return Redirect(path_for(request, "office_checks", saved="none", _anchor="rules"), status_code=303)
