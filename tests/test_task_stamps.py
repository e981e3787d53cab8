"""The stamps the offline manifest folds into household page versions change with what those pages show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.leader.task_stamps import household_task_stamps
from server.models import QuestionState, RosterChange, VisitQuestion
from tests.office_factories import make_question, make_roster_change, make_visit


async def test_stamps_move_when_a_question_or_proposal_changes_and_stay_within_the_groups(world):
    group_ids = [world.groups[0].id]
    assert await household_task_stamps(world.community.id, group_ids) == {}

    question = await make_question(world, await make_visit(world, 0))
    await make_roster_change(world, 2, resident=world.residents["zhang"])
    await make_question(world, await make_visit(world, 3))  # another group's: not this leader's pages
    first = await household_task_stamps(world.community.id, group_ids)
    assert set(first) == {world.households[0].id, world.households[2].id}
    assert first[world.households[0].id][0] == 1 and first[world.households[2].id][2] == 1

    later = datetime.now(timezone.utc) + timedelta(seconds=5)
    await VisitQuestion.filter(id=question.id).update(state=QuestionState.CLOSED, updated_at=later)
    second = await household_task_stamps(world.community.id, group_ids)
    assert second[world.households[0].id] != first[world.households[0].id]
    assert second[world.households[2].id] == first[world.households[2].id]

    await RosterChange.filter(household_id=world.households[2].id).update(state="approved", updated_at=later)
    assert (await household_task_stamps(world.community.id, group_ids))[world.households[2].id] != first[world.households[2].id]
    assert await household_task_stamps(world.other_community.id, group_ids) == {}
