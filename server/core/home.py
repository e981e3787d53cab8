"""`/`: the leader's home for leaders; for office and admin, what their role can do."""

from __future__ import annotations

from litestar import Controller, Request, Response, get

from server.auth.guards import login_required
from server.core.render import render
from server.leader.home import leader_home
from server.models import Role


class HomePages(Controller):
    path = ""
    tags = ["pages"]
    include_in_schema = False  # HTML pages: the API schema describes /api/ only

    @get("/", name="home", guards=[login_required])
    async def home(self, request: Request) -> Response:
        user = request.scope["user"]
        if user.role == Role.LEADER:
            return await leader_home(request)
        return render(request, "staff_home.html")
