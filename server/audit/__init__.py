"""Writes AuditEvent rows: every login, office/admin action, export and revocation."""

from __future__ import annotations

from typing import Any

from litestar import Request

from server import metrics
from server.models import AuditEvent, User


def client_ip(request: Request) -> str:
    """The address the throttle and the audit log use: the real client's, which
    server/edge/forwarded.py put in the scope (behind a trusted proxy, from X-Forwarded-For)."""
    return request.client.host if request.client else ""


async def record(
    request: Request | None,
    action: str,
    actor: User | None = None,
    target_type: str = "",
    target_id: Any = "",
    **detail: Any,
) -> AuditEvent:
    actor = actor if actor is not None else (request.scope.get("user") if request else None)
    metrics.observe_audit(action)
    return await AuditEvent.create(
        community_id=actor.community_id if actor else detail.pop("community_id", None),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail,
        ip=client_ip(request) if request else "",
    )
