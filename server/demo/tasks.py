"""The demo committee's send-backs (需补充) and roster proposals, so those screens have something
to show: leader01 has a question waiting, the office has answers to read and proposals to decide.

Written the way the real paths leave them (content hashes by the ingest's own code, a review event
and state for every question), read from the visits and residents server/demo/load.py has written.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from server.models import (
    Community,
    QuestionAnswer,
    QuestionState,
    Resident,
    ResidentStatus,
    ReviewEventKind,
    RosterChange,
    RosterChangeKind,
    RosterChangeState,
    User,
    Visit,
    VisitQuestion,
    VisitReviewEvent,
)
from sync.answer import AnswerData
from sync.roster import RosterData

QUESTIONS = (
    "您写到老人最近吃不下饭，有没有去医院看过？需要居委会帮忙联系家庭医生吗？",
    "记录里说楼道里堆了杂物，是哪一层？物业知道了吗？",
    "老人说的补助申请，是哪一项？材料交了没有？",
)
ANSWERS = (
    "女儿上周带她去了社区医院，医生说没大问题，开了点助消化的药。",
    "是三楼和四楼之间，已经跟物业说了，他们说这周清理。",
)
# Questions per leader: (username, open questions, answered questions).
ASKED = (("leader01", 1, 1), ("leader05", 1, 0), ("leader12", 0, 1))


async def write_demo_tasks(community: Community, users: dict[str, User], now: datetime, namespace: uuid.UUID) -> None:
    rng = random.Random(20261127)
    office = users["office"]
    for username, open_count, answered_count in ASKED:
        leader = users[username]
        visits = await Visit.filter(community=community, author=leader, status__in=["concern", "urgent"]).order_by(
            "-occurred_at"
        ).limit(open_count + answered_count)
        for n, visit in enumerate(visits):
            answered = n >= open_count
            asked_at = min(visit.received_at + timedelta(hours=rng.randint(2, 20)), now - timedelta(hours=3))
            question = await VisitQuestion.create(
                community=community, visit=visit, asked_by=office, question=QUESTIONS[n % len(QUESTIONS)],
                asked_at=asked_at, state=QuestionState.ANSWERED if answered else QuestionState.OPEN,
                answered_at=asked_at + timedelta(hours=2) if answered else None,
            )
            await VisitReviewEvent.create(
                visit=visit, actor=office, kind=ReviewEventKind.SEND_BACK.value, comment=question.question,
                detail={"question_id": question.id}, at=asked_at,
            )
            if answered:
                text = ANSWERS[n % len(ANSWERS)]
                await QuestionAnswer.create(
                    id=uuid.uuid5(namespace, f"answer:{question.id}"), question=question, author=leader,
                    device_id=visit.device_id, text=text, client_time=asked_at + timedelta(hours=2),
                    received_at=asked_at + timedelta(hours=2),
                    content_hash=AnswerData(question.id, text).content_hash(),
                )
    await _write_roster_changes(community, users, now, namespace)


async def _write_roster_changes(community: Community, users: dict[str, User], now: datetime, namespace) -> None:
    leader = users["leader01"]
    group = (await leader.building_groups.all().order_by("number"))[0]
    residents = await Resident.filter(household__building_group_id=group.id, status=ResidentStatus.ACTIVE).order_by(
        "household_id", "birth_year"
    ).limit(3)
    oldest = min(residents, key=lambda r: r.birth_year)
    proposals = [
        (RosterChangeKind.NEW_RESIDENT, residents[0].household_id, None,
         {"name": "周秀珍", "gender": "F", "birth_year": 1950, "care_flags": ["lives_alone"]}, "刚从外地搬来，一个人住。",
         None),
        (RosterChangeKind.UPDATE, residents[1].household_id, residents[1].id, {"phone": "13916682045"}, "换了新手机号。",
         None),
        (RosterChangeKind.MOVED, oldest.household_id, oldest.id, {}, "住进了养老院。",
         (RosterChangeState.REJECTED, "电话核实过：只是去女儿家住一个月，还会回来。")),
    ]
    for n, (kind, household_id, resident_id, fields, note, decision) in enumerate(proposals):
        received = now - timedelta(days=len(proposals) - n, hours=3)
        digest = RosterData(household_id, resident_id, kind, fields, note).content_hash()
        await RosterChange.create(
            id=uuid.uuid5(namespace, f"roster:{n}"), community=community, household_id=household_id,
            resident_id=resident_id, author=leader, kind=kind, proposed=fields, note=note, received_at=received,
            client_time=received, content_hash=digest,
            **({"state": decision[0], "decision_reason": decision[1], "decided_by": users["office"],
                "decided_at": received + timedelta(hours=4)} if decision else {}),
        )
