"""`/admin...`: accounts and devices (admin only) and the audit log (admin and office)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from server.accounts import management as accounts
from server.accounts.device_names import device_words
from server.audit.log import audit_choices, audit_page, parse_audit_filters
from server.audit.words import detail_lines, people_named, target_parts
from server.auth.guards import role_required
from server.core.clock import now_utc
from server.core.errors import found
from server.core.pages import Pages
from server.core.render import path_for
from server.core.staff_pages import community_id, current_user, staff_render
from server.models import Role, User
from server.signin_cards import cards
from server.signin_cards.routes import CARD_STATE_WORDS
from sync.vocabulary import N_

SAVED_NOTICES = {
    "created": N_("账号已创建。"),
    "updated": N_("账号已保存。"),
    "password": N_("密码已重设。这个账号在所有设备上都已退出登录，需要用新密码重新登录。"),
    "deactivated": N_("账号已停用，它的所有设备都已注销。"),
    "activated": N_("账号已重新启用。"),
    "revoked": N_("这台设备已注销。它下次联网时会退出登录并清除手机上的数据。"),
}


async def _user_or_404(request: Request, user_id: int) -> User:
    return found(await accounts.community_user(community_id(request), user_id))


class AdminUsers(Pages):
    path = "/admin/users"
    guards = [role_required(Role.ADMIN)]

    @get("/", name="admin_users")
    async def users(self, request: Request) -> Response:
        """Every account of the community."""
        return staff_render(request, "admin/users.html", "users",
                            users=await accounts.community_users(community_id(request)))

    @get("/new", name="admin_user_new")
    async def new_user(self, request: Request) -> Response:
        """The form for a new leader or office account."""
        return await self._new_page(request)

    async def _new_page(self, request: Request, status_code: int = 200, errors: dict | None = None,
                        form: Any = None, chosen: list | None = None) -> Response:
        return staff_render(
            request, "admin/user_new.html", "users", status_code=status_code, errors=errors or {},
            form=form or {}, chosen_groups={g.id for g in chosen or []},
            groups=await accounts.community_groups(community_id(request)), roles=accounts.CREATABLE_ROLES,
        )

    @post("/", name="admin_user_create")
    async def create(self, request: Request) -> Response:
        """Creates the account (strong password required); audited as account_created."""
        form = await request.form()
        groups = await accounts.community_groups(community_id(request))
        user, errors, account = await accounts.create_account(current_user(request), form, groups)
        if user is None:
            shown = {k: v for k, v in form.items() if k != "password"}  # never echo a password
            return await self._new_page(request, 400, errors, shown, account.groups)
        return Redirect(path_for(request, "admin_user", user_id=user.id, saved="created"), status_code=303)

    @get("/{user_id:int}", name="admin_user")
    async def user(self, request: Request, user_id: FromPath[int], saved: FromQuery[str | None] = None) -> Response:
        """One account: its details, building groups, password, and devices."""
        target = await _user_or_404(request, user_id)
        return await self._user_page(request, target, notice=SAVED_NOTICES.get(saved or "", ""))

    async def _user_page(self, request: Request, target: User, status_code: int = 200,
                         errors: dict | None = None, form: Any = None, notice: str = "") -> Response:
        return staff_render(
            request, "admin/user.html", "users", status_code=status_code, target=target, errors=errors or {},
            form=form, notice=notice, groups=await accounts.community_groups(community_id(request)),
            devices=await accounts.user_devices(target), device_state=accounts.device_state, now=now_utc(),
            device_state_words=accounts.DEVICE_STATE_WORDS, device_words=device_words,
            card_sessions=await cards.card_session_ids(target),
            card=await cards.card_of(community_id(request), target) if target.role == Role.LEADER else None,
            card_words=CARD_STATE_WORDS,
        )

    @post("/{user_id:int}", name="admin_user_update")
    async def update(self, request: Request, user_id: FromPath[int]) -> Response:
        """Changes the name and, for a leader, the building groups."""
        target = await _user_or_404(request, user_id)
        form = await request.form()
        groups = await accounts.community_groups(community_id(request))
        errors = await accounts.update_account(request, current_user(request), target, form, groups)
        if errors:
            return await self._user_page(request, target, 400, errors, form)
        return Redirect(path_for(request, "admin_user", user_id=target.id, saved="updated"), status_code=303)

    @post("/{user_id:int}/password", name="admin_user_password")
    async def password(self, request: Request, user_id: FromPath[int]) -> Response:
        """Sets a new password; the user is logged out on every device (entries on phones stay)."""
        target = await _user_or_404(request, user_id)
        form = await request.form()
        problem = await accounts.reset_password(request, current_user(request), target, str(form.get("password", "")))
        if problem:
            return await self._user_page(request, target, 400, {"password": problem})
        return Redirect(path_for(request, "admin_user", user_id=target.id, saved="password"), status_code=303)

    @post("/{user_id:int}/deactivate", name="admin_user_deactivate")
    async def deactivate(self, request: Request, user_id: FromPath[int]) -> Response:
        """Stops the account from logging in, and revokes all its devices."""
        target = await _user_or_404(request, user_id)
        problem = await accounts.set_active(request, current_user(request), target, False)
        if problem:
            return await self._user_page(request, target, 400, {"active": problem})
        return Redirect(path_for(request, "admin_user", user_id=target.id, saved="deactivated"), status_code=303)

    @post("/{user_id:int}/activate", name="admin_user_activate")
    async def activate(self, request: Request, user_id: FromPath[int]) -> Response:
        """Lets a deactivated account log in again."""
        target = await _user_or_404(request, user_id)
        await accounts.set_active(request, current_user(request), target, True)
        return Redirect(path_for(request, "admin_user", user_id=target.id, saved="activated"), status_code=303)

    @post("/{user_id:int}/devices/{session_id:int}/revoke", name="admin_device_revoke")
    async def revoke(self, request: Request, user_id: FromPath[int], session_id: FromPath[int]) -> Response:
        """Revokes one device (a lost phone): its next request gets 401 session_revoked."""
        target = await _user_or_404(request, user_id)
        found(await accounts.revoke_device(request, current_user(request), target, session_id))
        return Redirect(path_for(request, "admin_user", user_id=target.id, saved="revoked", _anchor="devices"), status_code=303)


class AuditLogPages(Pages):
    path = "/admin/audit"
    # The office reads it too: it is the record of their own review work and exports.
    guards = [role_required(Role.OFFICE, Role.ADMIN)]

    @get("/", name="admin_audit")
    async def audit_log(
        self,
        request: Request,
        action: FromQuery[str | None] = None,
        actor: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> Response:
        """The community's audit log, newest first, filterable by action, actor and date."""
        cid = community_id(request)
        actions, actors = await audit_choices(cid)
        filters = parse_audit_filters(
            {"action": action, "actor": actor, "date_from": date_from, "date_to": date_to, "page": page},
            actions, actors,
        )
        result = await audit_page(cid, filters, actions, actors)
        return staff_render(request, "admin/audit.html", "audit", filters=filters, result=result,
                            names=await people_named(cid, result.events), target_parts=target_parts,
                            detail_lines=detail_lines)
