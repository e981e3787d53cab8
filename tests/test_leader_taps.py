"""Fewer taps for the commonest job: the visit form's defaults (type by who is due, the resident
of the due card ticked), over HTTP, as a phone without scripts sees them."""

from __future__ import annotations

import re

import pytest

from tests.factories import api_login
from tests.test_leader_pages import log_visit


@pytest.fixture
async def leader(client, world):
    return await api_login(client, "leader01")


def visit_form(html: str) -> str:
    return re.search(r'<form class="visit-form".*?</form>', html, re.S).group(0)


def checked(form: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\w+)" checked', form)


async def test_elderly_check_is_the_default_only_where_someone_is_due(client, world, leader):
    household = world.households[0]  # 李建国 and 王美华, both never visited: overdue
    assert checked(visit_form((await client.get(f"/households/{household.id}")).text), "kind") == ["elderly_check"]

    # Both seen yesterday: flagged residents, but nobody due: an ordinary visit.
    await log_visit(world, household, [world.residents["li"], world.residents["wang"]], days_ago=1)
    assert checked(visit_form((await client.get(f"/households/{household.id}")).text), "kind") == ["routine"]


async def test_a_household_with_nobody_flagged_defaults_to_routine(client, world, leader):
    form = visit_form((await client.get(f"/households/{world.households[1].id}")).text)
    assert checked(form, "kind") == ["routine"]


async def test_the_due_card_links_to_its_resident_ticked_without_scripts(client, world, leader):
    li, household = world.residents["li"], world.households[0]
    home = (await client.get("/")).text
    assert f'href="/households/{household.id}?for={li.id}#visit-for={li.id}"' in home

    form = visit_form((await client.get(f"/households/{household.id}?for={li.id}")).text)
    assert checked(form, "resident_ids") == [str(li.id)]
    assert checked(form, "kind") == ["elderly_check"]


@pytest.mark.parametrize("given", ["999999", "abc", ""])
async def test_a_for_that_is_not_a_resident_here_ticks_nobody(client, world, leader, given):
    other = world.residents["chen"].id  # another group's resident
    for value in (given, str(other)):
        response = await client.get(f"/households/{world.households[0].id}?for={value}")
        assert response.status_code == 200
        assert checked(visit_form(response.text), "resident_ids") == []


async def test_a_check_not_due_never_says_not_visited_for_days(client, world, leader):
    """Issue 8: "近期已看望 ✓" beside "已 11 天未看望" read as a contradiction."""
    from tests.test_leader_pages import section, text_of

    await log_visit(world, world.households[0], [world.residents["li"]], days_ago=11)  # 80+: every 14 days
    residents = text_of(section((await client.get(f"/households/{world.households[0].id}")).text,
                                "residents-heading", "visit-form-heading"))
    assert "近期已看望" in residents and "11 天前看望过" in residents
    assert "已 11 天未看望" not in residents
