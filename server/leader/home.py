"""The leader's home screen: what the office asks, who to see today, then every household."""

from __future__ import annotations

from litestar import Request, Response

from server.checks.rules import age_in, resident_checks
from server.core.clock import now_utc
from server.core.render import render
from server.leader.queries import clean_search, group_households, households_in_scope
from server.leader.questions import open_questions
from server.leader.scope import leader_scope
from sync.vocabulary import CARE_FLAG_WORDS


async def leader_home(request: Request) -> Response:
    """`/` for a leader (server/core/home.py routes here); `?q=` filters the households without JS."""
    now = now_utc()
    scope = await leader_scope(request.scope["user"])
    query = clean_search(request.query_params.get("q"))
    checks = await resident_checks(scope.user, group_ids=scope.group_ids, community=scope.community, now=now)
    due = [check for check in checks if check.needs_visit]
    households = await households_in_scope(scope, query)
    return render(
        request,
        "leader/home.html",
        due=due,
        ages={check.resident.id: age_in(check.resident, now) for check in due},
        flag_words=CARE_FLAG_WORDS,
        grouped=group_households(scope, households),
        q=query,
        found=len(households),
        has_groups=bool(scope.groups),
        questions=await open_questions(scope),
    )
