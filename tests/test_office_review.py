"""The office reviews visits: states move only along allowed steps, comments, follow-ups,
and every change leaves a review event and an audit row. What the leader wrote never changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from server.core.dates import today_shanghai
from server.models import AuditEvent, ReviewState, Visit, VisitReviewEvent
from server.office import review
from tests.factories import api_login
from tests.office_factories import make_visit


def form(token: str, **fields) -> dict:
    return {"_csrf": token, **fields}


async def leader_fields(visit_id):
    v = await Visit.get(id=visit_id)
    return (v.kind, v.status, v.notes, v.occurred_at, v.follow_up_needed, v.follow_up_due, v.version,
            v.content_hash, v.resident_ids, v.withdrawn)


async def counts():
    return await VisitReviewEvent.all().count(), await AuditEvent.exclude(action="login").count()


async def test_forward_steps_are_recorded_with_who_and_audit(client, world):
    visit = await make_visit(world, status="concern", notes="漏水")
    before = await leader_fields(visit.id)
    token = await api_login(client, "office")
    for target in ("acknowledged", "in_progress", "resolved"):
        response = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state=target, comment=f"到{target}"))
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/office/visits/{visit.id}?saved=state"
    assert (await Visit.get(id=visit.id)).review_state == ReviewState.RESOLVED
    events = await VisitReviewEvent.filter(visit_id=visit.id).order_by("id")
    assert [(e.from_state.value, e.to_state.value) for e in events] == [
        ("new", "acknowledged"), ("acknowledged", "in_progress"), ("in_progress", "resolved")
    ]
    assert all(e.actor_id == world.users["office"].id for e in events)
    audits = await AuditEvent.filter(action="review_state").order_by("id")
    assert [a.detail["to_state"] for a in audits] == ["acknowledged", "in_progress", "resolved"]
    assert {a.target_id for a in audits} == {str(visit.id)}
    assert audits[0].community_id == world.community.id
    assert await leader_fields(visit.id) == before  # review never changes the leader's fields

    page = (await client.get(f"/office/visits/{visit.id}")).text
    assert "到in_progress" in page and "居委办公室" in page  # the history shows comment and who


@pytest.mark.parametrize(
    "start, target, comment, message",
    [
        ("acknowledged", "new", "", "已经处理过的记录不能改回“新记录”。"),
        ("in_progress", "acknowledged", "", "处理状态只能往前走，不能退回。"),
        ("resolved", "acknowledged", "再看看", "已办结的记录只能重新打开为“处理中”。"),
        ("resolved", "in_progress", "", "重新打开已办结的记录，请写明原因。"),
        ("new", "new", "", "这条记录已经是这个处理状态了。"),
        ("new", "closed", "", "请选择要改成的处理状态。"),
        ("new", "", "", "请选择要改成的处理状态。"),
    ],
)
async def test_refused_transitions_change_nothing(client, world, start, target, comment, message):
    visit = await make_visit(world, review_state=start)
    token = await api_login(client, "office")
    before = await counts()
    response = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state=target, comment=comment))
    assert response.status_code == 400
    assert message in response.text
    assert (await Visit.get(id=visit.id)).review_state.value == start
    assert await counts() == before
    if comment:
        assert comment in response.text  # what was typed is kept in the form


async def test_resolving_urgent_or_follow_up_needs_a_result(client, world):
    urgent = await make_visit(world, status="urgent")
    follow = await make_visit(world, household_index=1, follow_up_needed=True)
    token = await api_login(client, "office")
    for visit in (urgent, follow):
        refused = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="resolved"))
        assert refused.status_code == 400
        assert "办结跟进事项或紧急情况，请写明处理结果。" in refused.text
        assert (await Visit.get(id=visit.id)).review_state == ReviewState.NEW
        done = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="resolved", comment="已联系家属"))
        assert done.status_code == 303
        assert (await Visit.get(id=visit.id)).review_state == ReviewState.RESOLVED


async def test_reopen_with_a_reason(client, world):
    visit = await make_visit(world, review_state="resolved")
    token = await api_login(client, "admin")
    response = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="in_progress", comment="家属又来电"))
    assert response.status_code == 303
    event = await VisitReviewEvent.get(visit_id=visit.id)
    assert (event.from_state, event.to_state, event.comment) == (ReviewState.RESOLVED, ReviewState.IN_PROGRESS, "家属又来电")
    assert event.actor_id == world.users["admin"].id


async def test_a_stale_page_cannot_overwrite_a_newer_state(world):
    visit = await make_visit(world)
    stale = await Visit.get(id=visit.id)
    await Visit.filter(id=visit.id).update(review_state=ReviewState.RESOLVED)  # someone else, meanwhile
    with pytest.raises(review.ReviewRefused) as refused:
        await review.change_state(None, stale, world.users["office"], "acknowledged", "")
    assert "刚刚被别人处理过" in refused.value.message
    assert (await Visit.get(id=visit.id)).review_state == ReviewState.RESOLVED
    assert not await VisitReviewEvent.exists()


async def test_comments(client, world):
    """A comment alone is the one form with its state left as it is ("keep", preselected)."""
    visit = await make_visit(world)
    token = await api_login(client, "office")
    empty = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="keep", comment="   "))
    assert empty.status_code == 400 and "没有改动：请选择新的处理状态，或写下意见。" in empty.text
    too_long = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="keep", comment="字" * 2001))
    assert too_long.status_code == 400 and "意见最多 2000 个字。" in too_long.text
    assert "字" * 2001 in too_long.text  # what was typed comes back, not lost
    assert not await VisitReviewEvent.exists()
    ok = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="keep", comment="请下周再去看看"))
    assert ok.status_code == 303 and ok.headers["location"].endswith("saved=comment")
    event = await VisitReviewEvent.get(visit_id=visit.id)
    assert (event.kind, event.comment, event.from_state) == ("comment", "请下周再去看看", None)
    assert (await Visit.get(id=visit.id)).review_state == ReviewState.NEW
    audit = await AuditEvent.get(action="review_comment")
    assert audit.detail["comment"] == "请下周再去看看" and audit.actor_id == world.users["office"].id
    assert "请下周再去看看" in (await client.get(f"/office/visits/{visit.id}")).text


async def test_follow_up_assignment_and_lists(client, world):
    today = today_shanghai()
    late = await make_visit(world, follow_up_needed=True, follow_up_due=today - timedelta(days=3), notes="楼道灯坏了")
    later = await make_visit(world, household_index=3, follow_up_needed=True, follow_up_due=today + timedelta(days=5), notes="想申请助餐")
    plain = await make_visit(world, household_index=4, notes="普通走访")
    token = await api_login(client, "office")
    office_id = world.users["office"].id

    # Refused: a leader, someone of another community, a bad date. Nothing stored.
    for fields, message in (
        ({"assignee": str(world.users["leader01"].id)}, "负责人必须是本居委会在用的办公室或管理员账号。"),
        ({"assignee": str(world.users["office_other"].id)}, "负责人必须是本居委会在用的办公室或管理员账号。"),
        ({"assignee": "", "office_due": "下周"}, "日期格式应为 年-月-日"),
    ):
        refused = await client.post(f"/office/visits/{later.id}/follow-up", data=form(token, **fields))
        assert refused.status_code == 400 and message in refused.text
    assert not await VisitReviewEvent.exists()

    # The office takes on a visit the leader did not mark: it becomes a follow-up.
    ok = await client.post(
        f"/office/visits/{plain.id}/follow-up",
        data=form(token, assignee=str(office_id), office_due=(today - timedelta(days=1)).isoformat(), follow_up_comment="我来跟"),
    )
    assert ok.status_code == 303
    stored = await Visit.get(id=plain.id)
    assert (stored.follow_up_assignee_id, stored.follow_up_office_due) == (office_id, today - timedelta(days=1))
    assert stored.follow_up_needed is False  # the leader's field is untouched
    event = await VisitReviewEvent.get(visit_id=plain.id)
    assert event.kind == "follow_up" and event.detail["assignee"] == {"from": None, "to": office_id}
    assert (await AuditEvent.get(action="follow_up_update")).target_id == str(plain.id)
    # Saving the same again changes nothing and records nothing.
    again = await client.post(
        f"/office/visits/{plain.id}/follow-up",
        data=form(token, assignee=str(office_id), office_due=(today - timedelta(days=1)).isoformat()),
    )
    assert again.headers["location"].endswith("saved=none")
    assert await VisitReviewEvent.filter(visit_id=plain.id).count() == 1

    def listed(html):
        return re.findall(r"/office/visits/([0-9a-f-]{36})#review", html)

    open_ = listed((await client.get("/office/follow-ups?show=open")).text)
    assert set(open_) == {str(late.id), str(later.id), str(plain.id)}
    assert open_[:2] == [str(late.id), str(plain.id)] or open_[:2] == [str(plain.id), str(late.id)]  # overdue first
    assert set(listed((await client.get("/office/follow-ups?show=overdue")).text)) == {str(late.id), str(plain.id)}
    assert listed((await client.get("/office/follow-ups?show=mine")).text) == [str(plain.id)]

    # Closing a follow-up is resolving its visit (with what was done).
    await client.post(f"/office/visits/{late.id}/review", data=form(token, to_state="resolved", comment="已修好",
                                                                     next="/office/follow-ups?show=overdue"))
    assert set(listed((await client.get("/office/follow-ups?show=overdue")).text)) == {str(plain.id)}
    assert listed((await client.get("/office/follow-ups?show=closed")).text) == [str(late.id)]


async def test_other_community_cannot_review_ours(client, world):
    visit = await make_visit(world)
    token = await api_login(client, "office_other")
    response = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="acknowledged"))
    assert response.status_code == 404
    assert (await Visit.get(id=visit.id)).review_state == ReviewState.NEW
    assert not await VisitReviewEvent.exists()


async def test_one_form_for_state_and_comment_keeps_what_was_typed(client, world):
    """The visit page has one form for the review state and the comment: "不改" is preselected, so
    the button alone never moves the state; a state saved with a comment keeps the comment; a
    refused save shows the page again with the choice and the text as they were."""
    visit = await make_visit(world, status="urgent")
    token = await api_login(client, "office")
    page = (await client.get(f"/office/visits/{visit.id}")).text
    forms = re.findall(r'<form method="post" action="/office/visits/[^"]+/(review|comments)"', page)
    assert forms == ["review"]  # one form, no second comment form
    review_form = re.search(r'<form method="post" action="/office/visits/[^"]+/review".*?</form>', page, re.S).group(0)
    assert re.search(r'<input type="radio" id="to-keep" name="to_state" value="keep" checked>', review_form)
    assert 'name="comment"' in review_form and "保存处理状态和意见" in review_form
    assert review_form.count(" checked") == 1

    # The button pressed as the page comes: nothing chosen, nothing typed -> nothing changes.
    before = await counts()
    untouched = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="keep", comment=""))
    assert untouched.status_code == 400 and "没有改动：请选择新的处理状态，或写下意见。" in untouched.text
    assert (await Visit.get(id=visit.id)).review_state == ReviewState.NEW and await counts() == before

    # Resolving an urgent visit without a result is refused: the choice and the text come back.
    typed = "已联系家属，\n明天再去"
    refused = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="resolved", comment=""))
    assert refused.status_code == 400
    assert re.search(r'value="resolved" checked', refused.text)
    partial = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="new", comment=typed))
    assert partial.status_code == 400 and typed in partial.text  # nothing typed is lost
    assert await counts() == before

    # State and comment in one press: one event carries both.
    done = await client.post(f"/office/visits/{visit.id}/review", data=form(token, to_state="in_progress", comment=typed))
    assert done.status_code == 303 and done.headers["location"].endswith("saved=state")
    event = await VisitReviewEvent.get(visit_id=visit.id)
    assert (event.kind, event.to_state, event.comment) == ("state", ReviewState.IN_PROGRESS, typed)
