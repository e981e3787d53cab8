"""The leader's home screen (placeholder until the leader screens land)."""

from litestar import Request, Response

from server.web import render


async def leader_home(request: Request) -> Response:
    return render(request, "staff_home.html")
