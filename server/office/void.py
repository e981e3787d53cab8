"""The office's void (作废) of a mistaken or doubled visit, and its undo (恢复).

A voided visit stays with its whole history; it is marked 已作废 with the reason on every office
screen, export and on its leader's phone, and it leaves every count and list of work (the
dashboard's segments, due checks, coverage, follow-ups, likely duplicates). Each void and undo
writes a VisitReviewEvent (the visit's history; the leader's offline pages follow these) and an
AuditEvent, in the same transaction as the change. What the leader wrote never changes.
"""

from __future__ import annotations

from litestar import Request
from tortoise.transactions import in_transaction

from server import audit
from server.core.clock import now_utc
from server.models import ReviewEventKind, User, Visit, VisitReviewEvent
from server.office.review import MAX_COMMENT, ReviewRefused
from sync.vocabulary import N_


def _clean(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ReviewRefused(field, N_("最多 2000 个字。"))
    return text


async def void_visit(request: Request | None, visit: Visit, actor: User, reason_text: str | None) -> VisitReviewEvent:
    reason = _clean(reason_text, "void_reason")
    if not reason:
        raise ReviewRefused("void_reason", N_("请写明作废的原因，楼组长会看到。"))
    now = now_utc()
    async with in_transaction():
        # Conditional: two staff voiding at once leave one void and one event.
        changed = await Visit.filter(id=visit.id, voided_at__isnull=True).update(
            voided_at=now, void_reason=reason, voided_by_id=actor.id, updated_at=now
        )
        if not changed:
            raise ReviewRefused("void_reason", N_("这条记录已经作废了。"))
        event = await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.VOID.value, comment=reason
        )
        await audit.record(
            request, "visit_voided", actor=actor, target_type="visit", target_id=visit.id, reason=reason
        )
    visit.voided_at, visit.void_reason, visit.voided_by_id = now, reason, actor.id
    return event


async def restore_visit(request: Request | None, visit: Visit, actor: User, comment_text: str | None) -> VisitReviewEvent:
    """Undoes the void: the visit counts again; the void and its reason stay in the history."""
    comment = _clean(comment_text, "restore_comment")
    reason = visit.void_reason
    now = now_utc()
    async with in_transaction():
        changed = await Visit.filter(id=visit.id, voided_at__isnull=False).update(
            voided_at=None, void_reason="", voided_by_id=None, updated_at=now
        )
        if not changed:
            raise ReviewRefused("restore_comment", N_("这条记录没有作废，不用恢复。"))
        event = await VisitReviewEvent.create(
            visit_id=visit.id, actor=actor, kind=ReviewEventKind.RESTORE.value, comment=comment,
            detail={"void_reason": reason},
        )
        await audit.record(
            request, "visit_restored", actor=actor, target_type="visit", target_id=visit.id,
            void_reason=reason, comment=comment,
        )
    visit.voided_at, visit.void_reason, visit.voided_by_id = None, "", None
    return event
