"""The leader's "report a change" form (报告住户变化): written to the outbox's typing contract,
sent through the one write path, errors next to their fields with everything typed kept."""

from __future__ import annotations

import re

import pytest

from server.models import RosterChange
from tests.factories import api_login
from tests.office_factories import make_question, make_roster_change, make_visit
from tests.page_text import outbox_form, text_of


@pytest.fixture
async def leader(client, world):
    return await api_login(client, "leader01")


def report(world, token, **changes):
    form = {
        "_csrf": token, "id": "", "household_id": str(world.households[0].id), "change": "update",
        "resident_id": str(world.residents["li"].id), "fields.name": "", "fields.gender": "",
        "fields.birth_year": "", "fields.phone": "13812345678", "note": "",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def test_the_household_page_links_to_the_report_form(client, world, leader):
    html = (await client.get(f"/households/{world.households[0].id}")).text
    assert f'href="/households/{world.households[0].id}/roster"' in html and "报告住户变化" in html


async def test_the_report_form_follows_the_outbox_contract(client, world, leader):
    household = world.households[0]
    response = await client.get(f"/households/{household.id}/roster")
    assert response.status_code == 200
    form = outbox_form(response.text, "visit-form roster-form", action=f"/households/{household.id}/roster",
                       record="roster_change", csrf=leader, about=("household", household.id))
    for change in ("new_resident", "moved", "deceased", "update"):
        assert f'type="radio" id="change-{change}" name="change" value="{change}"' in form
    for resident in ("li", "wang"):
        rid = world.residents[resident].id
        assert f'name="resident_id" value="{rid}" data-type="int"' in form
    assert 'name="resident_id" value="" data-type="int"' in form  # a new resident: null
    assert 'name="fields.name"' in form and 'name="fields.gender"' in form and 'name="fields.phone"' in form
    assert re.search(r'name="fields.birth_year" data-type="int"', form)
    flags = re.findall(r'name="fields.care_flags" value="(\w+)" data-type="list-str" data-empty="null"', form)
    assert sorted(flags) == sorted(["age_80_plus", "lives_alone", "disabled", "hardship", "chronic_illness", "watch"])
    assert 'name="note"' in form and 'maxlength="2000"' in form
    assert not re.search(r'checked', form)  # nothing is chosen for the leader


async def test_reporting_an_update_and_a_resend_with_the_phones_id_is_no_duplicate(client, world, leader):
    household = world.households[0]
    record_id = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"
    form = report(world, leader, id=record_id, **{"fields.care_flags": ["watch"]}, note="刚换了号码")
    first = await client.post(f"/households/{household.id}/roster", data=form)
    second = await client.post(f"/households/{household.id}/roster", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == f"/households/{household.id}?reported={record_id}#proposals"
    change = await RosterChange.get()
    assert str(change.id) == record_id and await RosterChange.all().count() == 1
    assert (change.resident_id, change.kind.value, change.note) == (world.residents["li"].id, "update", "刚换了号码")
    assert change.proposed == {"phone": "13812345678", "care_flags": ["watch"]}


async def test_no_care_flag_ticked_proposes_no_change_of_flags(client, world, leader):
    await client.post(f"/households/{world.households[0].id}/roster", data=report(world, leader))
    assert (await RosterChange.get()).proposed == {"phone": "13812345678"}


async def test_the_household_in_the_url_wins_over_a_hidden_field(client, world, leader):
    form = report(world, leader, household_id=str(world.households[3].id))
    response = await client.post(f"/households/{world.households[0].id}/roster", data=form)
    assert response.status_code == 303
    assert (await RosterChange.get()).household_id == world.households[0].id


BAD_REPORTS = [
    # (what, form changes, status, field, message shown)
    ("no change chosen", {"change": None}, 422, "change", "请选择是哪种变化"),
    ("moved without a resident", {"change": "moved", "resident_id": None, "fields.phone": ""}, 422, "resident_id",
     "请选择是哪位居民"),
    ("moved with details typed", {"change": "moved"}, 422, "fields", "在报告搬走或去世时不用填写"),
    ("update with nothing to change", {"fields.phone": ""}, 422, "fields", "请填写要修改的信息"),
    ("new resident without a name", {"change": "new_resident", "resident_id": "", "fields.gender": "F",
                                     "fields.birth_year": "1950"}, 422, "fields.name", "新来的居民，请填写姓名"),
    ("new resident naming a resident", {"change": "new_resident", "fields.name": "周小红", "fields.gender": "F",
                                        "fields.birth_year": "1950"}, 422, "resident_id", "新来的居民还没有编号"),
    ("birth year in words", {"fields.birth_year": "一九五零"}, 400, "fields.birth_year", "出生年份请填四位数字"),
    ("birth year too early", {"fields.birth_year": "1850"}, 422, "fields.birth_year", "不早于 1900 年"),
    ("phone with letters", {"fields.phone": "call me"}, 422, "fields.phone", "只能有数字"),
    ("note too long", {"note": "很" * 2001}, 422, "note", "说明最多 2000 个字"),
    ("resident id not a number", {"resident_id": "abc"}, 400, "resident_id", "请从名单中选择居民"),
    ("resident of another household", {"resident_id": "__zhang__"}, 422, "resident_id", "不是这一户的在册居民"),
]


@pytest.mark.parametrize("what,changes,status,field,message", BAD_REPORTS, ids=[b[0] for b in BAD_REPORTS])
async def test_a_bad_report_is_shown_next_to_its_field_and_nothing_is_stored(
    client, world, leader, what, changes, status, field, message
):
    if changes.get("resident_id") == "__zhang__":
        changes = {**changes, "resident_id": str(world.residents["zhang"].id)}
    form = report(world, leader, **changes)
    response = await client.post(f"/households/{world.households[0].id}/roster", data=form)

    assert response.status_code == status, response.text
    html = response.text
    assert await RosterChange.all().count() == 0
    error_id = "error-" + field.replace(".", "-")
    error = re.search(rf'<p class="field-error" id="{error_id}">(.*?)</p>', html, re.S)
    assert error and message in text_of(error.group(1)), html
    assert f'aria-describedby="{error_id}"' in html and 'role="alert"' in html and "没有保存" in html
    # Everything typed is still there.
    if form.get("change"):
        assert f'name="change" value="{form["change"]}" checked' in html
    if form.get("resident_id", "").isdigit() and what != "resident of another household":  # not offered
        assert f'name="resident_id" value="{form["resident_id"]}" data-type="int" checked' in html
    for name in ("fields.name", "fields.phone", "fields.birth_year"):
        if form.get(name):
            assert f'name="{name}"' in html and f'value="{form[name]}"' in html
    if form.get("note"):
        assert f">{form['note']}</textarea>" in html


async def test_another_groups_household_has_no_report_form(client, world, leader):
    for household_id in (world.households[3].id, world.other_household.id, 999999):
        assert (await client.get(f"/households/{household_id}/roster")).status_code == 404
        response = await client.post(f"/households/{household_id}/roster", data=report(world, leader))
        assert response.status_code == 404
    assert await RosterChange.all().count() == 0


@pytest.mark.parametrize("username", ["office", "admin"])
async def test_staff_cannot_use_the_report_form(client, world, username):
    token = await api_login(client, username)
    assert (await client.get(f"/households/{world.households[0].id}/roster")).status_code == 403
    response = await client.post(f"/households/{world.households[0].id}/roster", data=report(world, token))
    assert response.status_code == 403
    assert await RosterChange.all().count() == 0


async def test_pending_reports_are_listed_on_the_household_page(client, world, leader):
    await make_roster_change(world, resident=world.residents["li"], kind="moved", proposed={}, note="住进养老院")
    await make_roster_change(world, 3, resident=world.residents["chen"], author="leader02")  # another group's
    html = (await client.get(f"/households/{world.households[0].id}")).text
    waiting = text_of(html[html.index('id="proposals"'):html.index("visit-form-heading")])
    assert "等待办公室确认" in waiting and "搬走" in waiting and "李建国" in waiting and "住进养老院" in waiting
    assert "陈阿婆" not in html


async def test_leader_pages_with_questions_and_reports_in_english(client, world, leader):
    question = await make_question(world, await make_visit(world, 0, notes="药"), "药")
    await make_roster_change(world, resident=world.residents["li"], kind="moved", proposed={})
    await client.post("/locale", data={"_csrf": leader, "locale": "en", "next": "/"})

    home = (await client.get("/")).text
    assert "The office would like to know" in home and "Open this household to answer" in home
    household = (await client.get(f"/households/{world.households[0].id}")).text
    assert "Send the answer to the committee" in household and "Report a change of residents" in household
    assert "Waiting for the office to confirm" in household and "Moved away" in household
    form = (await client.get(f"/households/{world.households[0].id}/roster")).text
    assert "What has changed" in form and "A new resident (not on the list)" in form
    error = await client.post(f"/households/{world.households[0].id}/roster", data=report(world, leader, change=None))
    assert "Please choose what kind of change" in error.text
    answer = await client.post(f"/questions/{question.id}/answer", data={"_csrf": leader, "text": ""})
    assert "Please write your answer before sending" in answer.text
    from tests.test_leader_pages import chinese_left_for_leader

    for html in (home, household, form, error.text, answer.text):
        assert chinese_left_for_leader(html.replace("药", " "), world) == set(), text_of(html)
