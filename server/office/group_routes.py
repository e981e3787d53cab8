"""`/office/groups...`: the committee's building groups, their leaders, and adding a household.

Mixed into OfficePages (server/office/routes.py) like the roster routes: same path, same
office-or-admin guard. A group of another community answers 404 like a missing one.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from server.core.errors import found
from server.core.render import path_for
from server.core.staff_pages import community_id, staff_render
from server.models import BuildingGroup
from server.office import groups, households
from sync.vocabulary import N_

GROUP_NOTICES = {
    "created": N_("楼组已建立。"),
    "group": N_("楼组信息已保存。"),
    "leaders": N_("楼组长已保存。楼组长的手机下次同步时会更新负责的住户。"),
    "none": N_("没有改动。"),
}


async def _group_or_404(request: Request, group_id: int) -> BuildingGroup:
    return found(await groups.community_group(community_id(request), group_id))


async def _groups_page(request: Request, status_code: int = 200, checked: households.Checked | None = None,
                       notice: str = "") -> Response:
    return staff_render(
        request, "office/groups.html", "groups", status_code=status_code,
        rows=await groups.group_rows(community_id(request)), notice=notice,
        errors=checked.errors if checked else {}, typed=checked.typed if checked else {},
    )


async def _group_page(
    request: Request, group: BuildingGroup, status_code: int = 200, target: str = "",
    checked: households.Checked | None = None, leader_change: groups.LeaderChange | None = None, notice: str = "",
) -> Response:
    """`target` names the form that failed ("group", "leaders" or "household")."""
    leaders = await groups.community_leaders(community_id(request))
    chosen = leader_change.chosen if leader_change else [
        u.id for u in leaders if any(g.id == group.id for g in u.building_groups)
    ]
    return staff_render(
        request, "office/group.html", "groups", status_code=status_code, group=group,
        listing=await groups.group_households(group), leaders=leaders, chosen_leaders=chosen,
        leader_change=leader_change, target=target, errors=checked.errors if checked else {},
        typed=checked.typed if checked else {}, notice=notice,
    )


class GroupRoutes:
    @get("/groups", name="office_groups")
    async def groups_page(self, request: Request, saved: FromQuery[str | None] = None) -> Response:
        """Every building group: number, name, households, residents living there, leaders; a new group."""
        return await _groups_page(request, notice=GROUP_NOTICES.get(saved or "", ""))

    @post("/groups", name="office_group_create")
    async def group_create(self, request: Request) -> Response:
        """Creates a building group (number unique in the committee, name required); audited."""
        cid = community_id(request)
        if cid is None:
            raise NotFoundException()
        checked = await groups.check_group(await request.form(), cid)
        group = None if checked.errors else await groups.create_group(request, cid, checked.clean)
        if group is None:
            checked.errors = checked.errors or {"number": groups.NUMBER_TAKEN}
            return await _groups_page(request, 400, checked)
        return Redirect(path_for(request, "office_group", group_id=group.id, saved="created"), status_code=303)

    @get("/groups/{group_id:int}", name="office_group")
    async def group_page(
        self, request: Request, group_id: FromPath[int], saved: FromQuery[str | None] = None
    ) -> Response:
        """One group: its households (linked to their pages), its leaders, a new household."""
        group = await _group_or_404(request, group_id)
        return await _group_page(request, group, notice=GROUP_NOTICES.get(saved or "", ""))

    @post("/groups/{group_id:int}", name="office_group_save")
    async def group_save(self, request: Request, group_id: FromPath[int]) -> Response:
        """Renames the group, or gives it another number if that number is free; audited."""
        group = await _group_or_404(request, group_id)
        checked = await groups.check_group(await request.form(), group.community_id, group)
        saved = None if checked.errors else await groups.save_group(request, group, checked.clean)
        if saved is None:
            checked.errors = checked.errors or {"number": groups.NUMBER_TAKEN}
            group = await _group_or_404(request, group_id)  # as stored, not as typed
            return await _group_page(request, group, 400, "group", checked)
        return Redirect(path_for(request, "office_group", group_id=group.id, saved="group" if saved else "none"), status_code=303)

    @post("/groups/{group_id:int}/leaders", name="office_group_leaders")
    async def group_leaders(self, request: Request, group_id: FromPath[int]) -> Response:
        """Sets which of the committee's leaders look after this group; audited."""
        group = await _group_or_404(request, group_id)
        form = await request.form()
        leaders = await groups.community_leaders(group.community_id)
        change = groups.check_group_leaders(group, [str(v) for v in form.getall("leaders", [])], leaders)
        if change.error:
            return await _group_page(request, group, 400, "leaders", leader_change=change)
        saved = await groups.save_group_leaders(request, group, change)
        return Redirect(path_for(request, "office_group", group_id=group.id, saved="leaders" if saved else "none", _anchor="leaders"), status_code=303)

    @post("/groups/{group_id:int}/households", name="office_household_create")
    async def household_create(self, request: Request, group_id: FromPath[int]) -> Response:
        """Adds a household to this group: 地址 + 室号 (an address already in the committee is refused)."""
        group = await _group_or_404(request, group_id)
        checked = households.check_new_household(await request.form())
        household = None if checked.errors else await households.create_household(request, group, checked.clean)
        if household is None:
            checked.errors = checked.errors or {"address": households.ADDRESS_TAKEN}
            return await _group_page(request, group, 400, "household", checked)
        return Redirect(path_for(request, "office_household", household_id=household.id, saved="household_created"), status_code=303)
