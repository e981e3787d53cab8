"""One set of rules (sync/form_rules.py) for the server and the phone's check before saving.

- Every refusal the validators can give about a field a leader's form fills is in the rules
  table (read from the validators' source with `ast`), or listed below as not reachable.
- For bad forms, the server refuses with the field and message the rules give (a small reading
  of the rules here; tests/browser/test_form_checks.py shows checks.js reads them the same).
- The pages carry the rules; no code word reaches a leader in a message.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from multidict import MultiDict

from server.core.forms import read_typed
from server.leader.questions import ANSWER_SPEC
from server.leader.roster_form import ROSTER_SPEC
from server.models import CareFlag, RosterChangeKind, VisitKind, VisitStatus
from sync.form_rules import RULES, rules_json
from sync.records import (
    ANSWER,
    INVALID_FIELD,
    INVALID_RESIDENT,
    MAX_NOTES_CHARS,
    MAX_RESIDENTS_SEEN,
    MAX_TEXT_CHARS,
    MISSING_FIELD,
    ROSTER_CHANGE,
    TEXT_TOO_LONG,
    VISIT,
    Rejected,
)
from sync.roster import check_birth_year
from sync.validate import check_occurred_at, parse_record
from tests.factories import api_login

ROOT = Path(__file__).resolve().parent.parent
VALIDATORS = {"sync/validate.py": VISIT, "sync/answer.py": ANSWER, "sync/roster.py": ROSTER_CHANGE}

# Refusals a leader's form cannot cause, by (field, code): each says why. Anything else a
# validator refuses about a field must have its rule, so the phone refuses it before saving.
# The record around the data (any code): made by app.js's saveEntry, never typed.
RECORD_KEYS = ("id", "type", "op", "base_version", "client_time", "data")
NOT_FROM_A_FORM = {
    ("household_id", INVALID_FIELD): "set by the page (the URL's household), never typed",
    ("household_id", MISSING_FIELD): "set by the page",
    ("question_id", INVALID_FIELD): "set by the page (the question's form)",
    ("question_id", MISSING_FIELD): "set by the page",
    ("resident_ids", INVALID_FIELD): "checkboxes of the household's residents: only their ids can be ticked",
    ("resident_id", INVALID_RESIDENT): "needs the database (someone moved meanwhile): the server's alone",
    ("withdrawn", INVALID_FIELD): "set by the script that withdraws, not a control",
    ("follow_up_needed", INVALID_FIELD): "a checkbox: always true or false",
    # forms.js's readForm sends every key of a visit (an unchosen kind or status as "", which the
    # choice rules refuse; an empty time is refused before anything is saved), so none is missing.
    **{(name, MISSING_FIELD): "forms.js always sends it" for name in ("kind", "status", "occurred_at")},
    # The typed text cannot carry what these refuse: NUL and lone surrogates cannot be typed, a
    # date or time control only gives well-formed values (or nothing, which the script fills).
    ("notes", INVALID_FIELD): "text controls cannot hold NUL or lone surrogates",
    ("text", INVALID_FIELD): "as notes",
    ("note", INVALID_FIELD): "as notes",
    ("occurred_at", INVALID_FIELD): "a datetime-local control; forms.js refuses it when it is empty",
    ("fields", INVALID_FIELD): "(moved/deceased with fields has its rule; this one is fields not an object)",
}
CODES = {"missing": MISSING_FIELD, "invalid": INVALID_FIELD, "choice": INVALID_FIELD,
         "positive_int": INVALID_FIELD, "aware_datetime": INVALID_FIELD, "boolean": INVALID_FIELD,
         "storable_text": INVALID_FIELD}


def refusal_sites(path: str) -> list[tuple[str, str, int]]:
    """(field, code, line) of every refusal in a validator's source."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    # `for key in REQUIRED_DATA: ... missing(key)`: the loop's names, from the module's tuples.
    tuples = {
        node.targets[0].id: [item.value for item in node.value.elts]
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Tuple)
        and all(isinstance(item, ast.Constant) for item in node.value.elts)
    }
    loops = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Name) and node.iter.id in tuples:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    loops[id(inner)] = (node.target.id, tuples[node.iter.id])
    sites = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name, args = node.func.id, node.args
        if name == "Rejected" and len(args) == 3:
            codes, where = [args[0]], args[2]
        elif name == "long_text":
            codes, where = [ast.Name(TEXT_TOO_LONG), ast.Name(INVALID_FIELD)], args[0]
        elif name in CODES and args:
            codes, where = [ast.Name(CODES[name])], args[0]
        else:
            continue
        if isinstance(where, ast.Call) and getattr(where.func, "id", "") == "echo":
            continue  # a key the protocol does not have: a form's controls are all the protocol's names
        loop = loops.get(id(node))
        if isinstance(where, ast.Name) and loop and loop[0] == where.id:
            sites += [(value, _code_value(getattr(codes[0], "id", None)), node.lineno) for value in loop[1]]
            continue
        if not isinstance(where, ast.Constant):
            # A field computed at run time cannot be checked against the table: write it out.
            raise AssertionError(f"{path}:{node.lineno}: {name}() with a field that is not written out")
        for code in codes:
            value = code.id if isinstance(code, ast.Name) else None
            sites.append((where.value, _code_value(value), node.lineno))
    return sites


def _code_value(name: str | None) -> str:
    import sync.records as records

    return getattr(records, name, name) if name else "?"


def test_every_refusal_a_form_can_cause_has_its_phone_side_rule():
    unchecked = []
    for path, record_type in VALIDATORS.items():
        covered = {(rule.field, rule.code) for rule in RULES[record_type]}
        sites = refusal_sites(path)
        assert len(sites) >= 5, path  # the reading found the validator's refusals
        for field, code, line in sites:
            if (field, code) not in covered and (field, code) not in NOT_FROM_A_FORM and field not in RECORD_KEYS:
                unchecked.append(f"{path}:{line}: {field} ({code})")
    assert not unchecked, "refusals without a rule in sync/form_rules.py (or a reason in NOT_FROM_A_FORM):\n" + \
        "\n".join(unchecked)


def test_every_rule_is_a_check_the_phone_knows_and_names_a_control_of_its_form():
    checks_js = (ROOT / "web/static/js/checks.js").read_text(encoding="utf-8")
    templates = {
        VISIT: "leader/_visit_form.html", ANSWER: "leader/_questions.html", ROSTER_CHANGE: "leader/roster.html",
    }
    for record_type, rules in RULES.items():
        html = (ROOT / "web/templates" / templates[record_type]).read_text(encoding="utf-8")
        for rule in rules:
            assert re.search(rf"\b{rule.check}:", checks_js), rule.check
            for name in rule.controls or (rule.field,):
                assert f'name="{name}"' in html, (record_type, name)
            assert not re.search(r"[a-z]{3,}", rule.message.replace("{max}", "").replace("{count}", "")), rule.message


# --- the server refuses as the rules say ---------------------------------------------------------

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the committee's zone (settings.timezone), as the server passes it


def shanghai_input(moment: datetime) -> str:
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def rule_errors(record_type: str, controls: dict[str, list[str]], now: datetime) -> list[tuple[str, str]]:
    """What the rules say of a form's controls, read as checks.js reads them (first rule of each field)."""
    def values(name: str) -> list[str]:
        return [v for v in controls.get(name, []) if v.strip()]

    def broken(rule, found: list[str]) -> bool:
        if rule.check == "required":
            return not found
        if rule.check == "empty":
            return bool(found)
        if rule.check == "choice":
            return (not rule.optional and not found) or any(v not in rule.values for v in found)
        if rule.check == "max_chars":
            return any(len(v.replace("\r\n", "\n")) > rule.max for v in found)
        if rule.check == "int_range":
            top = (now + timedelta(hours=8)).year if rule.max == "this_year" else rule.max
            low = -(10**9) if rule.min is None else rule.min
            return any(not re.fullmatch(r"\s*-?\d+\s*", v) or not low <= int(v) <= top for v in found)
        if rule.check == "pattern":
            return any(not re.match(rule.pattern, v.strip()) for v in found)
        if rule.check == "max_count":
            return len(found) > rule.max
        if rule.check == "days_after":
            base = (values(rule.of) or [shanghai_input(now)])[0][:10]
            after = [(date.fromisoformat(v[:10]) - date.fromisoformat(base)).days for v in found]
            return any(d < (rule.min if rule.min is not None else -(10**9))
                       or d > (rule.max if rule.max is not None else 10**9) for d in after)
        moment = lambda v: datetime.fromisoformat(v[:16] + ":00+08:00")  # noqa: E731
        if rule.check == "not_after_days":
            return any(moment(v) > now + timedelta(days=rule.days) for v in found)
        if rule.check == "not_before_days":
            return any(moment(v) < now - timedelta(days=rule.days) for v in found)
        raise AssertionError(rule.check)

    errors: list[tuple[str, str]] = []
    for rule in RULES[record_type]:
        if rule.field in dict(errors):
            continue
        when = rule.when
        if when and ("in" in when and not set(values(when["field"])) & set(when["in"])
                     or "filled" in when and bool(values(when["field"])) != when["filled"]):
            continue
        found = [v for name in rule.controls or (rule.field,) for v in values(name)]
        if broken(rule, found):
            longest = max((len(v) for v in found), default=0)
            errors.append((rule.field, rule.message.replace("{max}", str(rule.max)).replace("{count}", str(longest))))
    return errors


def visit_data(controls: dict[str, list[str]]) -> dict[str, Any]:
    """As forms.js's readForm reads the visit form (its phone-only types: page, str)."""
    first = lambda name: (controls.get(name) or [""])[0]  # noqa: E731
    return {
        "household_id": 1, "resident_ids": [int(v) for v in controls.get("resident_ids", [])],
        "kind": first("kind"), "occurred_at": first("occurred_at")[:16] + ":00+08:00", "status": first("status"),
        "notes": first("notes"), "follow_up_needed": bool(controls.get("follow_up_needed")),
        "follow_up_due": first("follow_up_due") or None,
    }


def form_data(spec: dict[str, str], controls: dict[str, list[str]]) -> dict[str, Any]:
    """As forms.js's readForm reads the other forms: the typing contract."""
    return read_typed(MultiDict([(name, v) for name, vs in controls.items() for v in vs]), spec).data


def server_error(record_type: str, controls: dict[str, list[str]], now: datetime) -> tuple[str, str] | None:
    if record_type == VISIT:
        data = visit_data(controls)
    elif record_type == ANSWER:
        data = form_data(ANSWER_SPEC, {"question_id": ["7"], **controls})
    else:
        data = form_data(ROSTER_SPEC, {"household_id": ["1"], **controls})
    raw = {"id": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b", "type": record_type, "op": "create",
           "base_version": None, "client_time": None, "data": data}
    try:
        record = parse_record(raw, zone=SHANGHAI)
        # What apply checks against today's date, after parsing.
        if record_type == VISIT:
            check_occurred_at(record.data.occurred_at, now)
        if record_type == ROSTER_CHANGE:
            check_birth_year(record.data.fields, now, SHANGHAI)
    except Rejected as refused:
        return refused.error.field, refused.error.message
    return None


GOOD_VISIT = {"kind": ["routine"], "status": ["ok"], "occurred_at": [shanghai_input(NOW)], "notes": [""]}
VISITS = {
    "good": {},
    "no status": {"status": []},
    "no kind": {"kind": []},
    "a status not on the list": {"status": ["fine"]},
    "a kind not on the list": {"kind": ["chat"]},
    "follow-up without a date": {"follow_up_needed": ["1"]},
    "a date without follow-up": {"follow_up_due": ["2026-12-05"]},
    "follow-up with a date": {"follow_up_needed": ["1"], "follow_up_due": ["2026-12-05"]},
    "follow-up the day before the visit": {"follow_up_needed": ["1"], "follow_up_due": ["2026-11-29"]},
    "follow-up on the visit's day": {"follow_up_needed": ["1"], "follow_up_due": ["2026-11-30"]},
    "follow-up two years after": {"follow_up_needed": ["1"], "follow_up_due": ["2028-11-29"]},
    "follow-up in year 9999": {"follow_up_needed": ["1"], "follow_up_due": ["9999-12-31"]},
    "follow-up in year 1": {"follow_up_needed": ["1"], "follow_up_due": ["0001-01-01"]},
    "a follow-up counted from a visit a month ago": {
        "occurred_at": [shanghai_input(NOW - timedelta(days=30))], "follow_up_needed": ["1"],
        "follow_up_due": ["2026-11-01"]},
    "more residents than a visit may name": {"resident_ids": [str(i) for i in range(1, MAX_RESIDENTS_SEEN + 2)]},
    "as many residents as a visit may name": {"resident_ids": [str(i) for i in range(1, MAX_RESIDENTS_SEEN + 1)]},
    "notes too long": {"notes": ["字" * (MAX_NOTES_CHARS + 1)]},
    "notes at the limit": {"notes": ["字" * MAX_NOTES_CHARS]},
    "two days ahead": {"occurred_at": [shanghai_input(NOW + timedelta(days=2))]},
    "400 days ago": {"occurred_at": [shanghai_input(NOW - timedelta(days=400))]},
}
ANSWERS = {
    "good": {"text": ["下周一复查"]},
    "empty": {"text": [""]},
    "blanks": {"text": ["   "]},
    "too long": {"text": ["字" * (MAX_TEXT_CHARS + 1)]},
}
GOOD_NEW = {"change": ["new_resident"], "resident_id": [""], "fields.name": ["张三"], "fields.gender": ["M"],
            "fields.birth_year": ["1948"]}
ROSTER = {
    "good new resident": GOOD_NEW,
    "no change chosen": {"resident_id": ["5"], "fields.phone": ["138"]},
    "a change not on the list": {"change": ["merged"], "resident_id": ["5"]},
    "a gender not on the list": {**GOOD_NEW, "fields.gender": ["X"]},
    "a care flag not on the list": {"change": ["update"], "resident_id": ["5"], "fields.care_flags": ["rich"]},
    "new resident without a name": {**GOOD_NEW, "fields.name": [""]},
    "new resident without a gender": {**GOOD_NEW, "fields.gender": [""]},
    "new resident without a birth year": {**GOOD_NEW, "fields.birth_year": [""]},
    "new resident given an existing resident": {**GOOD_NEW, "resident_id": ["5"]},
    "born 1800": {**GOOD_NEW, "fields.birth_year": ["1800"]},
    "born next year": {**GOOD_NEW, "fields.birth_year": ["2027"]},
    "a name too long": {**GOOD_NEW, "fields.name": ["名" * 51]},
    "a phone with letters": {"change": ["update"], "resident_id": ["5"], "fields.phone": ["call me"]},
    "an update of nothing": {"change": ["update"], "resident_id": ["5"]},
    "an update of no one": {"change": ["update"], "fields.phone": ["13812345678"]},
    "moved without a resident": {"change": ["moved"]},
    "moved with fields": {"change": ["moved"], "resident_id": ["5"], "fields.care_flags": ["watch"]},
    "a good update": {"change": ["update"], "resident_id": ["5"], "fields.care_flags": ["watch", "hardship"]},
    "a note too long": {"change": ["moved"], "resident_id": ["5"], "note": ["字" * (MAX_TEXT_CHARS + 1)]},
}
CASES = [(VISIT, name, {**GOOD_VISIT, **controls}) for name, controls in VISITS.items()] + [
    (ANSWER, name, controls) for name, controls in ANSWERS.items()] + [
    (ROSTER_CHANGE, name, controls) for name, controls in ROSTER.items()]


@pytest.mark.parametrize(
    ("record_type", "controls"), [(t, c) for t, _, c in CASES], ids=[f"{t}: {n}" for t, n, _ in CASES]
)
def test_the_server_refuses_with_the_field_and_words_of_the_rules(record_type, controls):
    said = rule_errors(record_type, controls, NOW)
    refused = server_error(record_type, controls, NOW)
    # One fault at a time: the server names the first, the rules the same one, word for word.
    assert said[:1] == ([refused] if refused else [])


def test_the_cases_cover_every_rule():
    hit = set()
    for record_type, _, controls in CASES:
        for field, message in rule_errors(record_type, controls, NOW):
            hit.add((record_type, field, re.sub(r"\d+ 个字，请", "", message)))
    for record_type, rules in RULES.items():
        for rule in rules:
            assert (record_type, rule.field, re.sub(r"\d+ 个字，请", "", rule.message.replace("{max}", str(rule.max))
                    .replace("{count}", "0"))) in hit, rule


@pytest.mark.parametrize(("enum", "field", "words"), [
    (VisitStatus, "status", "“情况”请选一项：一切安好、需要关注、紧急。"),
    (VisitKind, "kind", "“走访类型”请选一项：日常走访、老人看望、矛盾调解、安全检查、帮困求助、其他。"),
    (RosterChangeKind, "change", "“变化”请选一项：新来居民、搬走、去世、信息变化。"),
])
def test_a_wrong_choice_is_refused_in_words_not_codes(enum, field, words):
    rule = next(r for rules in RULES.values() for r in rules if r.field == field and r.check == "choice")
    assert rule.message == words and rule.values == tuple(m.value for m in enum)
    flags = next(r for r in RULES[ROSTER_CHANGE] if r.field == "fields.care_flags")
    assert flags.values == tuple(f.value for f in CareFlag) and "高龄" in flags.message and "age" not in flags.message


def test_no_message_a_leader_can_reach_carries_a_code_word():
    for rules in RULES.values():
        for rule in rules:
            for code in ("ok", "concern", "urgent", "null", "routine", "true", "false", "M（"):
                assert code not in rule.message, (rule.field, rule.message)


# --- the pages carry the rules -------------------------------------------------------------------

def rules_of(html: str, record_type: str) -> list[dict[str, Any]]:
    found = re.search(rf'data-outbox-form="{record_type}"[^>]*?data-rules="([^"]*)"', html, re.S)
    assert found, record_type
    return json.loads(unescape(found.group(1)))


async def test_each_outbox_form_carries_its_rules_and_checks_js_loads_before_app_js(client, world):
    from tests.office_factories import make_question, make_visit

    await api_login(client, "leader01")
    household = world.households[0]
    await make_question(world, await make_visit(world))
    page = (await client.get(f"/households/{household.id}")).text
    assert rules_of(page, VISIT) == rules_json(VISIT)
    assert rules_of(page, ANSWER) == rules_json(ANSWER)
    assert page.index("/static/js/checks.js") < page.index("/static/js/app.js")
    roster = (await client.get(f"/households/{household.id}/roster")).text
    assert rules_of(roster, ROSTER_CHANGE) == rules_json(ROSTER_CHANGE)
    assert "/static/js/checks.js" in roster
    assert "/static/js/checks.js" not in (await client.get("/")).text  # only where a form is checked
    assert "'/static/js/checks.js?v=' + ASSET_VERSION" in (ROOT / "web/sw.js").read_text(encoding="utf-8")


async def test_an_english_page_carries_the_rules_in_english(client, world):
    token = await api_login(client, "leader01")
    await client.post("/locale", data={"_csrf": token, "locale": "en", "next": "/"})
    page = (await client.get(f"/households/{world.households[0].id}/roster")).text
    rules = rules_of(page, ROSTER_CHANGE)
    assert [(r["field"], r["check"]) for r in rules] == [(r["field"], r["check"]) for r in rules_json(ROSTER_CHANGE)]
    for rule in rules:
        assert not re.search(r"[\u4e00-\u9fff]", rule["message"]), rule["message"]
