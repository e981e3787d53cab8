"""Visits, revisions and device sessions for the office and admin tests (on top of `world`)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from server.models import DeviceSession, Visit, VisitKind, VisitResident, VisitRevision, VisitStatus

SH = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at("2026-11-26 09:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


async def make_visit(
    world, household_index: int = 0, when: datetime | None = None, *, kind: str = VisitKind.ROUTINE.value,
    status: str = VisitStatus.OK.value, author: str | None = None, residents=(), notes: str = "一切正常",
    household=None, **fields,
) -> Visit:
    """A synced visit as the ingest would leave it: the visit, who it saw, its first revision."""
    household = household or world.households[household_index]
    when = when or datetime.now(timezone.utc) - timedelta(hours=1)
    if author is None:
        author = "leader01" if household.building_group_id == world.groups[0].id else "leader02"
    author_user = world.users[author]
    visit = await Visit.create(
        id=uuid.uuid4(), community_id=household.community_id, household=household, author=author_user,
        kind=kind, status=status, occurred_at=when, received_at=when + timedelta(minutes=5),
        notes=notes, content_hash=uuid.uuid4().hex * 2, resident_ids=[r.id for r in residents], **fields,
    )
    for resident in residents:
        await VisitResident.create(visit=visit, resident=resident, occurred_at=when, kind=kind)
    await VisitRevision.create(
        visit=visit, op="create", version=1, outcome="applied", content_hash=visit.content_hash,
        data={"kind": kind, "status": status, "notes": notes, "follow_up_needed": visit.follow_up_needed},
        author=author_user, received_at=visit.received_at,
    )
    return visit


async def make_device(user, *, label: str = "Android 手机", last_sync_at: datetime | None = None) -> DeviceSession:
    now = datetime.now(timezone.utc)
    return await DeviceSession.create(
        token_hash=uuid.uuid4().hex + uuid.uuid4().hex, user=user, csrf_token="x" * 32, device_label=label,
        last_seen_at=now, last_sync_at=last_sync_at, expires_at=now + timedelta(days=180),
    )


class Clients:
    """One logged-in HTTP client per username, each with its own cookies, on one app."""

    def __init__(self, settings, app=None) -> None:
        """On `app` (the session's, see conftest), or on an app of these settings of its own."""
        import httpx

        from server.app import create_app

        self._app = app or create_app(settings, manage_db=False)
        self._httpx = httpx
        self._open: list = []
        self.csrf: dict[str, str] = {}

    def anonymous(self):
        client = self._httpx.AsyncClient(
            transport=self._httpx.ASGITransport(app=self._app, client=("127.0.0.1", 50000)),
            base_url="http://127.0.0.1",
        )
        self._open.append(client)
        return client

    async def login(self, username: str):
        from tests.factories import api_login

        client = self.anonymous()
        self.csrf[username] = await api_login(client, username)
        return client

    async def login_all(self, *usernames: str) -> dict:
        return {username: await self.login(username) for username in usernames}

    async def close(self) -> None:
        for client in self._open:
            await client.aclose()


async def make_question(world, visit, question: str = "老人说的药是哪一种？请再问一下。", *, asked_by: str = "office",
                        state: str = "open", asked_at: datetime | None = None):
    """A send-back question as the office's form leaves it (without its review event)."""
    from server.models import VisitQuestion

    return await VisitQuestion.create(
        community_id=visit.community_id, visit=visit, asked_by=world.users[asked_by], question=question,
        asked_at=asked_at or datetime.now(timezone.utc), state=state,
    )


async def make_roster_change(world, household_index: int = 0, *, kind: str = "update", resident=None,
                             proposed: dict | None = None, note: str = "", author: str = "leader01",
                             household=None, received_at: datetime | None = None):
    """A pending roster proposal as the ingest leaves it."""
    from server.models import RosterChange

    household = household or world.households[household_index]
    return await RosterChange.create(
        id=uuid.uuid4(), community_id=household.community_id, household=household, resident=resident,
        author=world.users[author], kind=kind, proposed=proposed if proposed is not None else {"phone": "13900001111"},
        note=note, received_at=received_at or datetime.now(timezone.utc), content_hash=uuid.uuid4().hex * 2,
    )
