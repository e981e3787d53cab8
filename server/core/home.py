"""`/`: the leader's home for leaders; for office and admin, what their role can do."""

from __future__ import annotations

from litestar import Request, Response, get

from server.auth.guards import login_required
from server.core.pages import Pages
from server.core.render import render
from server.leader.home import leader_home
from server.models import Role


class HomePages(Pages):
    path = ""

    @get("/", name="home", guards=[login_required])
    async def home(self, request: Request) -> Response:
        user = request.scope["user"]
        if user.role == Role.LEADER:
            return await leader_home(request)
        return render(request, "staff_home.html")
