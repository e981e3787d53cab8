"""Office actions on a visit: review-state changes, comments, follow-up assignment.

Each action writes a VisitReviewEvent and an AuditEvent in the same transaction as the
change. None of them touches a field the leader owns (what the visit says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.core.clock import now_utc
from server.core.dates import DateRefused, parse_date, today_shanghai
from server.core.limits import MAX_COMMENT
from server.models import ReviewEventKind, ReviewState, User, Visit, VisitReviewEvent
from sync.form_rules import FOLLOW_UP_MAX_DAYS, MAX_AGE
from sync.vocabulary import N_

NEW, ACK, IN_PROGRESS, RESOLVED = (
    ReviewState.NEW, ReviewState.ACKNOWLEDGED, ReviewState.IN_PROGRESS, ReviewState.RESOLVED,
)
# Every allowed move, and nothing else: forward (steps may be skipped), and reopening a
# resolved visit back to in progress, which needs a comment saying why.
TRANSITIONS: dict[ReviewState, tuple[ReviewState, ...]] = {
    NEW: (ACK, IN_PROGRESS, RESOLVED),
    ACK: (IN_PROGRESS, RESOLVED),
    IN_PROGRESS: (RESOLVED,),
    RESOLVED: (IN_PROGRESS,),
}
KEEP = "keep"  # the one form's choice "state unchanged": then only the comment is saved


class ReviewRefused(Exception):
    """The action was refused; `message` is a Chinese msgid shown next to `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def allowed_targets(state: ReviewState | str) -> tuple[ReviewState, ...]:
    return TRANSITIONS[ReviewState(state)]


def is_follow_up(visit: Visit) -> bool:
    """A follow-up: the leader asked for one, or the office named someone responsible."""
    return bool(visit.follow_up_needed or visit.follow_up_assignee_id)


def comment_required(visit: Visit, target: ReviewState) -> bool:
    current = ReviewState(visit.review_state)
    if current is RESOLVED and target is IN_PROGRESS:
        return True  # reopening: say why
    # Closing a follow-up or an urgent case: say what was done.
    return target is RESOLVED and (is_follow_up(visit) or visit.status == "urgent")


def refuse_if_voided(visit: Visit) -> None:
    """A voided visit (作废, server/office/void.py) is not worked on until the void is undone;
    the refusal shows in the page's void notice, where the work forms are no longer shown."""
    if visit.voided_at is not None:
        raise ReviewRefused("voided", N_("这条记录已作废，不能再处理。如需处理，请先恢复。"))


def _clean_comment(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ReviewRefused("comment", N_("意见最多 2000 个字。"))
    return text


def check_transition(visit: Visit, target_text: str | None, comment: str) -> ReviewState:
    """The target state if this move is allowed now; ReviewRefused (nothing changed) if not."""
    try:
        target = ReviewState(target_text or "")
    except ValueError:
        raise ReviewRefused("to_state", N_("请选择要改成的处理状态。")) from None
    current = ReviewState(visit.review_state)
    if target is current:
        raise ReviewRefused("to_state", N_("这条记录已经是这个处理状态了。"))
    if target not in TRANSITIONS[current]:
        if target is NEW:
            raise ReviewRefused("to_state", N_("已经处理过的记录不能改回“新记录”。"))
        if current is RESOLVED:
            raise ReviewRefused("to_state", N_("已办结的记录只能重新打开为“处理中”。"))
        raise ReviewRefused("to_state", N_("处理状态只能往前走，不能退回。"))
    if comment_required(visit, target) and not comment:
        if current is RESOLVED:
            raise ReviewRefused("comment", N_("重新打开已办结的记录，请写明原因。"))
        raise ReviewRefused("comment", N_("办结跟进事项或紧急情况，请写明处理结果。"))
    return target


async def change_state(
    request: Request, visit: Visit, actor: User, target_text: str | None, comment_text: str | None
) -> VisitReviewEvent:
    refuse_if_voided(visit)
    comment = _clean_comment(comment_text)
    target = check_transition(visit, target_text, comment)
    current = ReviewState(visit.review_state)
    async with in_transaction():
        # Conditional on the state we checked: two staff acting at once cannot both win.
        # updated_at moves too: the leader's pages show the state, and their offline tags
        # (offline/manifest) follow the visits' updated_at.
        changed = await Visit.filter(id=visit.id, review_state=current).update(review_state=target, updated_at=now_utc())
        if not changed:
            raise ReviewRefused("to_state", N_("这条记录刚刚被别人处理过，请刷新页面后再看。"))
        event = await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.STATE.value,
            from_state=current, to_state=target, comment=comment,
        )
        await audit.record(
            request, "review_state", actor=actor, target_type="visit", target_id=visit.id,
            from_state=current.value, to_state=target.value, comment=comment,
        )
    visit.review_state = target
    return event


async def add_comment(request: Request, visit: Visit, actor: User, comment_text: str | None) -> VisitReviewEvent:
    refuse_if_voided(visit)
    comment = _clean_comment(comment_text)
    if not comment:
        raise ReviewRefused("comment", N_("请写下意见再提交。"))
    async with in_transaction():
        event = await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.COMMENT.value, comment=comment
        )
        await audit.record(
            request, "review_comment", actor=actor, target_type="visit", target_id=visit.id, comment=comment
        )
    return event


async def save_review(
    request: Request, visit: Visit, actor: User, target_text: str | None, comment_text: str | None
) -> str:
    """The visit page's one form: the state chosen (or KEEP, preselected, so pressing the button
    never moves the state by accident) with the comment typed. Returns what was saved."""
    if target_text == KEEP:
        if not (comment_text or "").strip():
            raise ReviewRefused("comment", N_("没有改动：请选择新的处理状态，或写下意见。"))
        await add_comment(request, visit, actor, comment_text)
        return "comment"
    await change_state(request, visit, actor, target_text, comment_text)
    return "state"


@dataclass
class FollowUpChange:
    assignee: User | None
    office_due: date | None


def parse_follow_up(
    assignee_text: str | None, due_text: str | None, staff: list[User], today: date | None = None
) -> FollowUpChange:
    """Validates the follow-up form against this community's office staff."""
    assignee = None
    if (assignee_text or "").strip():
        by_id = {str(user.id): user for user in staff}
        assignee = by_id.get(assignee_text.strip())
        if assignee is None:
            raise ReviewRefused("assignee", N_("负责人必须是本居委会在用的办公室或管理员账号。"))
    try:
        office_due = parse_date(due_text)
    except DateRefused as refused:
        raise ReviewRefused("office_due", refused.message) from None
    # The leader's follow-up dates' window (sync/form_rules.py), counted from today: no
    # earlier than the oldest visit a leader may record, no later than two years ahead.
    today = today or today_shanghai()
    if office_due is not None and not today - MAX_AGE <= office_due <= today + timedelta(days=FOLLOW_UP_MAX_DAYS):
        raise ReviewRefused("office_due", N_("跟进期限应在一年前到两年后之间，请检查年份。"))
    return FollowUpChange(assignee, office_due)


async def set_follow_up(
    request: Request, visit: Visit, actor: User, change: FollowUpChange, comment_text: str | None
) -> VisitReviewEvent | None:
    """Sets who is responsible and the office's due date; None when nothing changed."""
    refuse_if_voided(visit)
    comment = _clean_comment(comment_text)
    before = {"assignee": visit.follow_up_assignee_id, "office_due": visit.follow_up_office_due}
    after = {"assignee": change.assignee.id if change.assignee else None, "office_due": change.office_due}
    if before == after and not comment:
        return None
    detail: dict[str, Any] = {
        key: {"from": _plain(before[key]), "to": _plain(after[key])} for key in before if before[key] != after[key]
    }
    if change.assignee is not None:
        detail["assignee_name"] = change.assignee.display_name
    async with in_transaction():
        await Visit.filter(id=visit.id).update(
            follow_up_assignee_id=after["assignee"], follow_up_office_due=after["office_due"]
        )
        event = await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.FOLLOW_UP.value, comment=comment, detail=detail
        )
        await audit.record(
            request, "follow_up_update", actor=actor, target_type="visit", target_id=visit.id,
            comment=comment, **detail,
        )
    visit.follow_up_assignee_id = after["assignee"]
    visit.follow_up_office_due = after["office_due"]
    return event


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
