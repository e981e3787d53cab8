"""The "report a change" page as a phone without scripts gets it: each resident's current care
flags ride on their choice (for roster_form.js), the flags' hint says what the ticks mean, and
a posted report proposes exactly the ticked flags."""

from __future__ import annotations

import re

import pytest

from server.models import RosterChange
from tests.factories import api_login
from tests.test_leader_roster import report, text_of


@pytest.fixture
async def leader(client, world):
    return await api_login(client, "leader01")


async def test_each_resident_carries_their_current_flags(client, world, leader):
    li, wang = world.residents["li"], world.residents["wang"]
    li.care_flags = ["age_80_plus", "hardship"]
    await li.save()
    html = (await client.get(f"/households/{world.households[0].id}/roster")).text
    assert f'value="{li.id}" data-type="int" data-flags="age_80_plus hardship"' in html
    assert f'value="{wang.id}" data-type="int" data-flags="chronic_illness"' in html
    assert 'id="resident-new" name="resident_id" value="" data-type="int">' in html  # no flags: new
    # Without the script the whole form shows; the hint says what ticking means.
    assert not re.search(r"<fieldset[^>]*data-show-for[^>]*hidden", html)
    assert "勾上的就是这位居民以后全部的关注情况，没勾的会去掉。关注情况不变，就一个都不勾。" in text_of(html)
    assert "/static/js/roster_form.js" in html


async def test_a_report_without_scripts_proposes_the_ticked_flags(client, world, leader):
    household = world.households[0]
    form = report(world, leader, **{"fields.phone": ""})
    form["fields.care_flags"] = ["age_80_plus", "lives_alone"]
    response = await client.post(f"/households/{household.id}/roster", data=form)
    assert response.status_code == 303
    change = await RosterChange.get()
    assert change.proposed == {"care_flags": ["age_80_plus", "lives_alone"]}
