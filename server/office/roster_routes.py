"""`/office/roster` and `/office/households/...`: leaders' roster proposals, and direct roster edits.

Mixed into OfficePages (server/office/routes.py): these handlers share its path and its
office-or-admin guard. Every object is looked up within the user's community, so another
community's proposal, household or resident answers 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from server.models import CareFlag, Household, Resident, ResidentStatus
from server.office import households, roster
from server.office.labels import N_
from server.office.pages import community_id, current_user, staff_render

ROSTER_NOTICES = {
    "approved": N_("已采纳，居民名册已按建议修改。"),
    "rejected": N_("已不采纳，楼组长会在手机上看到原因。"),
    "household": N_("住户信息已保存。"),
    "resident": N_("居民信息已保存。"),
    "none": N_("没有改动。"),
}


async def _change_or_404(request: Request, change_id: str):
    change = await roster.community_change(community_id(request), change_id)
    if change is None:
        raise NotFoundException()
    return change


async def _household_or_404(request: Request, household_id: int) -> Household:
    household = await households.community_household(community_id(request), household_id)
    if household is None:
        raise NotFoundException()
    return household


async def _roster_page(
    request: Request, status_code: int = 200, errors: dict[str, dict[str, str]] | None = None,
    form: dict[str, Any] | None = None, notice: str = "",
) -> Response:
    listing = await roster.roster_listing(community_id(request))
    return staff_render(
        request, "office/roster.html", "roster", status_code=status_code, listing=listing,
        current=roster.current_values, errors=errors or {}, form=form or {}, notice=notice,
    )


async def _household_page(
    request: Request, household: Household, status_code: int = 200, target: str = "",
    checked: households.Checked | None = None, notice: str = "",
) -> Response:
    """`target` names the form that failed ("household" or a resident id) and `checked` its values."""
    return staff_render(
        request, "office/household.html", "roster", status_code=status_code, household=household,
        residents=await households.household_residents(household),
        proposals=await roster.roster_listing(community_id(request), household.id),
        visits=await households.recent_visits(household), target=target,
        errors=checked.errors if checked else {}, typed=checked.typed if checked else {}, notice=notice,
        flags=[flag.value for flag in CareFlag], statuses=[status.value for status in ResidentStatus],
    )


class RosterRoutes:
    @get("/roster", name="office_roster")
    async def roster_page(self, request: Request, saved: FromQuery[str | None] = None) -> Response:
        """Roster changes proposed from leaders' phones: pending ones newest first, then decided ones."""
        return await _roster_page(request, notice=ROSTER_NOTICES.get(saved or "", ""))

    @post("/roster/{change_id:str}/approve", name="office_roster_approve")
    async def roster_approve(self, request: Request, change_id: FromPath[str]) -> Response:
        """Approves a proposal: applies it to the roster in the same transaction; audited."""
        change = await _change_or_404(request, change_id)
        try:
            await roster.approve(request, change, current_user(request))
        except roster.RosterRefused as refused:
            return await _roster_page(request, 400, {str(change.id): {refused.field: refused.message}})
        return Redirect("/office/roster?saved=approved", status_code=303)

    @post("/roster/{change_id:str}/reject", name="office_roster_reject")
    async def roster_reject(self, request: Request, change_id: FromPath[str]) -> Response:
        """Rejects a proposal with a reason (required, shown to the leader); the roster is unchanged."""
        change = await _change_or_404(request, change_id)
        form = await request.form()
        try:
            await roster.reject(request, change, current_user(request), form.get("reason"))
        except roster.RosterRefused as refused:
            return await _roster_page(
                request, 400, {str(change.id): {refused.field: refused.message}},
                {str(change.id): {"reason": form.get("reason", "")}},
            )
        return Redirect("/office/roster?saved=rejected", status_code=303)

    @get("/households/{household_id:int}", name="office_household")
    async def household_page(
        self, request: Request, household_id: FromPath[int], saved: FromQuery[str | None] = None
    ) -> Response:
        """One household: its details and every resident, editable; its roster proposals; recent visits."""
        household = await _household_or_404(request, household_id)
        return await _household_page(request, household, notice=ROSTER_NOTICES.get(saved or "", ""))

    @post("/households/{household_id:int}", name="office_household_save")
    async def household_save(self, request: Request, household_id: FromPath[int]) -> Response:
        """Saves the address, room and notes for visitors; audited."""
        household = await _household_or_404(request, household_id)
        checked = households.check_household(await request.form())
        if checked.errors:
            return await _household_page(request, household, 400, "household", checked)
        saved = await households.save_household(request, household, checked.clean)
        notice = "household" if saved else "none"
        return Redirect(f"/office/households/{household.id}?saved={notice}", status_code=303)

    @post("/households/{household_id:int}/residents/{resident_id:int}", name="office_resident_save")
    async def resident_save(
        self, request: Request, household_id: FromPath[int], resident_id: FromPath[int]
    ) -> Response:
        """Saves a resident's name, gender, birth year, phone, care flags and status; audited."""
        household = await _household_or_404(request, household_id)
        resident = await Resident.get_or_none(
            id=resident_id, household_id=household.id, community_id=household.community_id
        )
        if resident is None:
            raise NotFoundException()
        checked = households.check_resident(await request.form())
        if checked.errors:
            return await _household_page(request, household, 400, str(resident.id), checked)
        saved = await households.save_resident(request, resident, checked.clean)
        return Redirect(
            f"/office/households/{household.id}?saved={'resident' if saved else 'none'}#resident-{resident.id}",
            status_code=303,
        )
