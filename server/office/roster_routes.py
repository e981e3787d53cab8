"""`/office/roster`, `/office/households/...` and `/office/residents`: leaders' roster proposals,
direct roster edits, and finding residents.

Mixed into OfficePages (server/office/routes.py): these handlers share its path and its
office-or-admin guard. Every object is looked up within the user's community, so another
community's proposal, household or resident answers 404 like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from server.accounts.management import community_groups
from server.core.errors import found
from server.core.render import path_for
from server.core.staff_pages import community_id, current_user, staff_render
from server.models import CareFlag, Household, Resident, ResidentStatus
from server.office import households, resident_search, roster, roster_listing
from sync.vocabulary import N_

ROSTER_NOTICES = {
    "approved": N_("已采纳，居民名册已按建议修改。"),
    "rejected": N_("已不采纳，楼组长会在手机上看到原因。"),
    "household": N_("住户信息已保存。"),
    "household_created": N_("住户已添加。请在下面登记住在这里的居民。"),
    "moved_group": N_("住户已换到另一个楼组。两个楼组的楼组长下次同步时会看到变化。"),
    "resident": N_("居民信息已保存。"),
    "resident_created": N_("居民已登记。"),
    "none": N_("没有改动。"),
}
NO_SELECTION = N_("请先勾选要采纳的建议。")
TOO_MANY_SELECTED = N_("一次最多采纳 200 条建议，请少选一些。")


async def _change_or_404(request: Request, change_id: str):
    return found(await roster.community_change(community_id(request), change_id))


async def _household_or_404(request: Request, household_id: int) -> Household:
    return found(await households.community_household(community_id(request), household_id))


async def _roster_filters(request: Request, params: Any) -> roster_listing.RosterFilters:
    return roster_listing.parse_roster_filters(params, await community_groups(community_id(request)))


async def _roster_page(
    request: Request, filters: roster_listing.RosterFilters, status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None, form: dict[str, Any] | None = None, notice: str = "",
    outcome: roster.SelectedOutcome | None = None, selection_error: str = "",
) -> Response:
    page = await roster_listing.roster_page(community_id(request), filters)
    filters.page = page.page
    household = None
    if filters.household_id is not None:
        household = await households.community_household(community_id(request), filters.household_id)
        if household is None:  # unknown or another community's: said so, and (by the query) nothing listed
            filters.errors["household"] = N_("没有这户。")
    if filters.errors and status_code == 200:
        status_code = 400
    return staff_render(
        request, "office/roster.html", "roster", status_code=status_code, listing=page, filters=filters,
        household=household,
        current=roster.current_values, errors=errors or {}, form=form or {}, notice=notice, outcome=outcome,
        selection_error=selection_error,
    )


def _back_to_roster(request: Request, filters: roster_listing.RosterFilters, saved: str) -> Redirect:
    return Redirect(f"{path_for(request, 'office_roster')}?{filters.query_string(saved=saved)}", status_code=303)


async def _household_page(
    request: Request, household: Household, status_code: int = 200, target: str = "",
    checked: households.Checked | None = None, notice: str = "", confirming: bool = False,
) -> Response:
    """`target` names the form that failed or asks to confirm: "household", "group", "new" (a new
    resident) or a resident id; `checked` holds that form's values."""
    residents = await households.household_residents(household)
    return staff_render(
        request, "office/household.html", "roster", status_code=status_code, household=household,
        living=[r for r in residents if r.status == ResidentStatus.ACTIVE],
        former=[r for r in residents if r.status != ResidentStatus.ACTIVE],
        proposals=await roster.household_proposals(community_id(request), household.id),
        visits=await households.recent_visits(household), groups=await community_groups(community_id(request)),
        target=target, errors=checked.errors if checked else {}, typed=checked.typed if checked else {},
        notice=notice, confirming=confirming, flags=[flag.value for flag in CareFlag],
        statuses=[status.value for status in ResidentStatus],
    )


class RosterRoutes:
    @get("/roster", name="office_roster")
    async def roster_page(
        self, request: Request, result_state: Annotated[str | None, QueryParameter(name="state")] = None,
        group: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None, household: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None, select: FromQuery[str | None] = None,
        saved: FromQuery[str | None] = None,
    ) -> Response:
        """Roster changes proposed from leaders' phones, 50 a page: pending first (newest first),
        then decided ones; filtered by result, building group and kind of change."""
        # `state` is a name Litestar keeps for the app's state: the query's `state` arrives as result_state.
        params = {"state": result_state, "group": group, "kind": kind, "household": household, "page": page,
                  "select": select}
        filters = await _roster_filters(request, params)
        return await _roster_page(request, filters, notice=ROSTER_NOTICES.get(saved or "", ""))

    @post("/roster/approve-selected", name="office_roster_approve_selected")
    async def roster_approve_selected(self, request: Request) -> Response:
        """Approves every ticked proposal, each on its own (one that cannot be approved is
        reported with its reason, the others still are); audited like single approvals."""
        form = await request.form()
        filters = await _roster_filters(request, form)
        ids = [str(value) for value in form.getall("change", [])]
        if not ids or len(ids) > roster.MAX_SELECTED:
            return await _roster_page(
                request, filters, 400, selection_error=NO_SELECTION if not ids else TOO_MANY_SELECTED
            )
        outcome = await roster.approve_selected(request, community_id(request), ids, current_user(request))
        filters.select_all = False
        return await _roster_page(request, filters, outcome=outcome)

    @post("/roster/{change_id:str}/approve", name="office_roster_approve")
    async def roster_approve(self, request: Request, change_id: FromPath[str]) -> Response:
        """Approves a proposal: applies it to the roster in the same transaction; audited."""
        change = await _change_or_404(request, change_id)
        filters = await _roster_filters(request, await request.form())
        try:
            await roster.approve(request, change, current_user(request))
        except roster.RosterRefused as refused:
            return await _roster_page(request, filters, 400, {str(change.id): {refused.field: refused.message}})
        return _back_to_roster(request, filters, "approved")

    @post("/roster/{change_id:str}/reject", name="office_roster_reject")
    async def roster_reject(self, request: Request, change_id: FromPath[str]) -> Response:
        """Rejects a proposal with a reason (required, shown to the leader); the roster is unchanged."""
        change = await _change_or_404(request, change_id)
        form = await request.form()
        filters = await _roster_filters(request, form)
        try:
            await roster.reject(request, change, current_user(request), form.get("reason"))
        except roster.RosterRefused as refused:
            return await _roster_page(
                request, filters, 400, {str(change.id): {refused.field: refused.message}},
                {str(change.id): {"reason": form.get("reason", "")}},
            )
        return _back_to_roster(request, filters, "rejected")

    @get("/residents", name="office_residents")
    async def residents_page(
        self, request: Request, q: FromQuery[str | None] = None, flag: FromQuery[str | None] = None,
        age: FromQuery[str | None] = None, status: FromQuery[str | None] = None,
        group: FromQuery[str | None] = None, page: FromQuery[str | None] = None,
    ) -> Response:
        """Finds residents and households by name, address or room; lists residents by care flag,
        age band (this year in Shanghai minus the birth year), status and building group. Paged."""
        search = resident_search.parse_search(
            {"q": q, "flag": flag, "age": age, "status": status, "group": group, "page": page},
            await community_groups(community_id(request)),
        )
        result = await resident_search.search(community_id(request), search)
        return staff_render(
            request, "office/residents.html", "residents", status_code=400 if search.errors else 200,
            search=search, result=result, age_bands=resident_search.AGE_BAND_WORDS,
        )

    @get("/households/{household_id:int}", name="office_household")
    async def household_page(
        self, request: Request, household_id: FromPath[int], saved: FromQuery[str | None] = None
    ) -> Response:
        """One household: its details and every resident, editable; its roster proposals; recent visits."""
        household = await _household_or_404(request, household_id)
        return await _household_page(request, household, notice=ROSTER_NOTICES.get(saved or "", ""))

    @post("/households/{household_id:int}", name="office_household_save")
    async def household_save(self, request: Request, household_id: FromPath[int]) -> Response:
        """Saves the address, room and notes for visitors (an address of another household is refused); audited."""
        household = await _household_or_404(request, household_id)
        checked = households.check_household(await request.form())
        saved = None if checked.errors else await households.save_household(request, household, checked.clean)
        if saved is None:
            checked.errors = checked.errors or {"address": households.ADDRESS_TAKEN}
            household = await _household_or_404(request, household_id)
            return await _household_page(request, household, 400, "household", checked)
        notice = "household" if saved else "none"
        return Redirect(path_for(request, "office_household", household_id=household.id, saved=notice), status_code=303)

    @post("/households/{household_id:int}/group", name="office_household_move")
    async def household_move(self, request: Request, household_id: FromPath[int]) -> Response:
        """Moves the household (its residents, visits and proposals with it) to another building group; audited."""
        household = await _household_or_404(request, household_id)
        chosen = str((await request.form()).get("building_group") or "")
        group = next((g for g in await community_groups(household.community_id) if str(g.id) == chosen), None)
        if group is None:
            checked = households.Checked({"building_group": chosen}, errors={"building_group": N_("请选择本居委会的楼组。")})
            return await _household_page(request, household, 400, "group", checked)
        moved = await households.move_household(request, household, group)
        saved = "moved_group" if moved else "none"
        return Redirect(path_for(request, "office_household", household_id=household.id, saved=saved), status_code=303)

    @post("/households/{household_id:int}/residents", name="office_resident_create")
    async def resident_create(self, request: Request, household_id: FromPath[int]) -> Response:
        """Registers a resident living here (the same name and birth year here already is refused); audited."""
        household = await _household_or_404(request, household_id)
        checked = households.check_resident(await request.form(), with_status=False)
        resident = None if checked.errors else await households.add_resident(request, household, checked.clean)
        if resident is None:
            checked.errors = checked.errors or {"name": households.SAME_PERSON}
            return await _household_page(request, household, 400, "new", checked)
        return Redirect(path_for(
            request, "office_household", household_id=household.id, saved="resident_created",
            _anchor=f"resident-{resident.id}",
        ), status_code=303)

    @post("/households/{household_id:int}/residents/{resident_id:int}", name="office_resident_save")
    async def resident_save(
        self, request: Request, household_id: FromPath[int], resident_id: FromPath[int]
    ) -> Response:
        """Saves a resident's name, gender, birth year, phone, care flags and status; audited. Moved
        (迁出) or deceased (去世) is asked to be confirmed first; nobody is ever deleted."""
        household = await _household_or_404(request, household_id)
        resident = await Resident.get_or_none(
            id=resident_id, household_id=household.id, community_id=household.community_id
        )
        if resident is None:
            raise NotFoundException()
        form = await request.form()
        checked = households.check_resident(form)
        if not checked.errors and households.needs_confirmation(resident, checked.clean, form):
            return await _household_page(request, household, 200, str(resident.id), checked, confirming=True)
        saved = None if checked.errors else await households.save_resident(request, resident, checked.clean)
        if saved is None:
            checked.errors = checked.errors or {"name": households.SAME_PERSON}
            return await _household_page(request, household, 400, str(resident.id), checked)
        return Redirect(path_for(
            request, "office_household", household_id=household.id, saved="resident" if saved else "none",
            _anchor=f"resident-{resident.id}",
        ), status_code=303)
