"""Leader pages: households, the household page with its visit form, the office's questions
with their answer forms, the "report a change" form, and the leader's records.

Every form here becomes a sync record applied by `server.ingest.apply_records`, the one write path
shared with the phone's outbox.

Only leaders reach these routes; every query goes through their LeaderScope, so a household
outside their building groups answers exactly like one that does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from server.auth.guards import role_required
from server.checks.rules import age_in, resident_checks
from server.core.clock import now_utc
from server.core.errors import found
from server.core.forms import TypedForm
from server.core.pages import Pages
from server.core.render import path_for, render, request_locale
from server.core.words import (
    GENDER_WORDS,
    LEADER_REVIEW_WORDS,
    LEADER_ROSTER_STATE_WORDS,
    ROSTER_CHANGE_CHOICES,
)
from server.ingest import apply_records
from server.input_guard.numbers import store_id
from server.leader import questions, roster_form, visit_form
from server.leader.form_contract import FieldError, OutboxForm, Submission
from server.leader.queries import (
    clean_search,
    decode_cursor,
    group_households,
    household_in_scope,
    households_in_scope,
    just_sent,
    my_visits,
    own_visit,
    recent_visits,
)
from server.leader.scope import LeaderScope, leader_scope
from server.models import CareFlag, Household, Role, RosterChange, Visit
from sync.vocabulary import (
    CARE_FLAG_WORDS,
    ROSTER_CHANGE_WORDS,
    VISIT_KIND_WORDS,
    VISIT_STATUS_WORDS,
)


def _device_id(request: Request) -> str:
    session = request.scope["auth"]
    return session.device_id or f"web-session-{session.id}"


async def _scope(request: Request) -> LeaderScope:
    return await leader_scope(request.scope["user"])


async def _household_or_404(scope: LeaderScope, household_id: int) -> Household:
    return found(await household_in_scope(scope, household_id))


async def household_page(
    request: Request,
    scope: LeaderScope,
    household: Household,
    *,
    values: TypedForm | None = None,
    errors: list[FieldError] | None = None,
    saved: Any = None,
    status_code: int = 200,
    answer: questions.AnswerForm | None = None,
    answered: int | None = None,
    reported: Any = None,
    visit_for: str | None = None,
) -> Response:
    """`answer`: an answer that was not sent (shown with its error); `answered` / `reported`:
    the question just answered, the roster change just reported (success messages)."""
    now = now_utc()
    checks = await resident_checks(
        scope.user, group_ids=scope.group_ids, community=scope.community, household_id=household.id, now=now
    )
    residents = list(household.residents)
    visits = await recent_visits(household)
    names = {r.id: r.name for r in residents}
    seen_names = {v.id: [names[i] for i in v.resident_ids if i in names] for v in visits}
    if values is None:
        seen = tuple(r.id for r in residents if visit_for and str(r.id) == visit_for.strip())
        values = visit_form.new_visit_values(any(c.needs_visit for c in checks), now, seen)
    return render(
        request,
        "leader/household.html",
        status_code=status_code,
        household=household,
        residents=residents,
        checks={c.resident.id: c.status for c in checks},
        ages={r.id: age_in(r, now) for r in residents},
        visits=visits,
        seen_names=seen_names,
        own={v.id: own_visit(v, scope.user, household.address, seen_names[v.id]) for v in visits},
        saved=saved,
        form=values,
        errors=visit_form.VISIT_FORM.errors_by_field(errors or [], request_locale(request)),
        kinds=VISIT_KIND_WORDS,
        statuses=VISIT_STATUS_WORDS,
        flag_words=CARE_FLAG_WORDS,
        notes_max=visit_form.NOTES_MAX_CHARS,
        not_saved=visit_form.NOT_SAVED,
        questions=await questions.household_questions(household, also=answer.question_id if answer else None),
        answer=answer,
        answered=answered,
        answer_max=questions.TEXT_MAX_CHARS,
        proposals=await roster_form.household_proposals(household),
        reported=reported,
        roster_words=ROSTER_CHANGE_WORDS,
        roster_states=LEADER_ROSTER_STATE_WORDS,
    )


async def roster_page(
    request: Request,
    household: Household,
    *,
    values: TypedForm | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "leader/roster.html",
        status_code=status_code,
        household=household,
        residents=list(household.residents),
        form=values or TypedForm({}, {}),
        errors=roster_form.ROSTER_FORM.errors_by_field(errors or [], request_locale(request)),
        choices=ROSTER_CHANGE_CHOICES,
        genders=GENDER_WORDS,
        flags=[flag.value for flag in CareFlag],
        flag_words=CARE_FLAG_WORDS,
        note_max=questions.TEXT_MAX_CHARS,
        not_saved=visit_form.NOT_SAVED,
    )


async def send(request: Request, scope: LeaderScope, outbox: OutboxForm, **fixed: Any) -> tuple[Any, Submission, int]:
    """A leader's form as a record, through the one write path shared with the phone's outbox
    (same checks, same idempotency): the applied result (None when refused), what was typed with
    the errors, and the status to show them with (400: unreadable, 422: read but not valid)."""
    now = now_utc()
    sent = outbox.submit(await request.form(), now, **fixed)
    if sent.record is not None:
        result = (await apply_records([sent.record], user=scope.user, device_id=_device_id(request), now=now))[0]
        if result.status != "rejected":
            return result, sent, 303
        sent.errors = [outbox.refusal(result.error)]
    return None, sent, 400 if any(e.unparseable for e in sent.errors) else 422


class LeaderPages(Pages):
    path = ""
    guards = [role_required(Role.LEADER)]

    @get("/households/search", name="household_search")
    async def household_search(self, request: Request, q: FromQuery[str | None] = None) -> Response:
        """The household list alone, for the search box's htmx request (the page is `/?q=`)."""
        query = clean_search(q)
        if request.headers.get("hx-request") != "true":
            # Opened as a page (a bookmark, a shared link): a bare fragment would look broken.
            return Redirect(path_for(request, "home", q=query or None), status_code=303, headers={"Vary": "HX-Request"})
        scope = await _scope(request)
        households = await households_in_scope(scope, query)
        response = render(
            request, "leader/_household_list.html", grouped=group_households(scope, households), q=query,
            found=len(households), oob=True,
        )
        response.headers["Vary"] = "HX-Request"
        return response

    @get("/households/{household_id:int}", name="household")
    async def household(
        self, request: Request, household_id: FromPath[int], saved: FromQuery[str | None] = None,
        answered: FromQuery[str | None] = None, reported: FromQuery[str | None] = None,
        visit_for: Annotated[str | None, QueryParameter(name="for", required=False)] = None,
    ) -> Response:
        scope = await _scope(request)
        household = await _household_or_404(scope, household_id)
        return await household_page(
            request, scope, household, saved=await just_sent(Visit, household, saved),
            answered=store_id(answered),
            reported=await just_sent(RosterChange, household, reported), visit_for=visit_for,
        )

    @post("/households/{household_id:int}/visits", name="visit_submit")
    async def visit_submit(self, request: Request, household_id: FromPath[int]) -> Response:
        scope = await _scope(request)
        household = await _household_or_404(scope, household_id)
        result, sent, status = await send(request, scope, visit_form.VISIT_FORM, household_id=household.id)
        if result is not None:
            return Redirect(path_for(request, "household", household_id=household.id, saved=result.id), status_code=303)
        return await household_page(request, scope, household, values=sent.values, errors=sent.errors, status_code=status)

    @post("/questions/{question_id:int}/answer", name="answer_submit")
    async def answer_submit(self, request: Request, question_id: FromPath[int]) -> Response:
        """The leader's answer to a question the office sent back (an `answer` record)."""
        scope = await _scope(request)
        question = found(await questions.question_in_scope(scope, question_id))
        household = await _household_or_404(scope, question.visit.household_id)
        result, sent, status = await send(request, scope, questions.ANSWER_FORM, question_id=question.id)
        if result is not None:
            target = path_for(
                request, "household", household_id=household.id, answered=question.id,
                _anchor=f"question-{question.id}",
            )
            return Redirect(target, status_code=303)
        answer = questions.AnswerForm(
            question.id, sent.values.text("text"),
            questions.ANSWER_FORM.errors_by_field(sent.errors, request_locale(request)),
        )
        return await household_page(request, scope, household, answer=answer, status_code=status)

    @get("/households/{household_id:int}/roster", name="roster_form")
    async def roster_form_page(self, request: Request, household_id: FromPath[int]) -> Response:
        """The form to report a change of residents (报告住户变化); the office confirms it."""
        scope = await _scope(request)
        household = await _household_or_404(scope, household_id)
        return await roster_page(request, household)

    @post("/households/{household_id:int}/roster", name="roster_submit")
    async def roster_submit(self, request: Request, household_id: FromPath[int]) -> Response:
        """A reported roster change (a `roster_change` record), waiting for the office."""
        scope = await _scope(request)
        household = await _household_or_404(scope, household_id)
        result, sent, status = await send(request, scope, roster_form.ROSTER_FORM, household_id=household.id)
        if result is not None:
            return Redirect(
                path_for(request, "household", household_id=household.id, reported=result.id, _anchor="proposals"),
                status_code=303,
            )
        return await roster_page(request, household, values=sent.values, errors=sent.errors, status_code=status)

    @get("/visits/mine", name="my_visits")
    async def my_visits_page(self, request: Request, before: FromQuery[str | None] = None) -> Response:
        scope = await _scope(request)
        visits, next_cursor = await my_visits(scope, before)
        return render(
            request, "leader/my_visits.html", visits=visits, next_cursor=next_cursor,
            own={v.id: own_visit(v, scope.user, v.household.address) for v in visits},
            paged=decode_cursor(before) is not None,
            kinds=VISIT_KIND_WORDS, statuses=VISIT_STATUS_WORDS, review_states=LEADER_REVIEW_WORDS,
        )
