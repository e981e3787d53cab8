"""How a leader's outbox form becomes a sync record: the typing contract, done on the server.

The phone's JavaScript reads the same forms (found by `data-outbox-form`) into the same `data`
when it saves an entry to the outbox; the HTML POST routes do it here, so a form sent without
JavaScript and one sent through the outbox make the same record. The contract:
- every named control is a key of `data`, except `id` (the record's id) and `_csrf`;
- dotted names nest: `fields.name` is data["fields"]["name"];
- `data-type="int"`: a whole number; an empty control is null;
- `data-type="bool"` on a checkbox: true when checked, false when not;
- `data-type="date"`: a date control's YYYY-MM-DD; an empty control is null;
- `data-type="local-datetime"`: a datetime-local control, the leader's wall clock in the
  committee's zone, sent with its offset (2026-11-26T09:25:00+08:00); an empty control is null;
- `data-type="text" data-empty=""`: text whose empty stays "" (a visit's notes are never null);
- checkboxes sharing a name with `data-type="list-int"` or `data-type="list-str"`: the list of
  the checked values, [] when none is checked, or null when they also carry `data-empty="null"`
  (there "nothing checked" means "no change proposed", not "none");
- any other control is text; an empty text, an empty choice, a radio group with nothing chosen
  is null.
Here the types come from a spec ({name: type}) that must match the template's `data-type`s.

Each leader form is an `OutboxForm`: its spec, the refusals it makes before sending (text that
is not its type: 400; a control it must have: 422), and the words it shows for sync.apply's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from server.clock import local_zone
from server.leader.words import N_

TEXT, INT, BOOL, DATE, LOCAL_DATETIME = "text", "int", "bool", "date", "local-datetime"
TEXT_OR_EMPTY = "text-or-empty"  # data-empty="": "" rather than null
LIST_INT, LIST_STR, LIST_STR_OR_NULL = "list-int", "list-str", "list-str-or-null"  # the last: data-empty="null"
LISTS = (LIST_INT, LIST_STR, LIST_STR_OR_NULL)

BAD_ID = N_("记录编号无法识别，请刷新页面后再填写")
OTHER_PROBLEM = N_("没有保存，请刷新页面后再试一次")


@dataclass
class TypedForm:
    data: dict[str, Any]  # nested, typed: what the record's `data` becomes
    typed: dict[str, Any]  # what the leader typed, by control name (None: not sent), to show again
    unreadable: list[str] = field(default_factory=list)  # controls whose text is not their type

    def text(self, name: str) -> str:
        return str(self.typed.get(name) or "")

    def has(self, name: str, value: Any) -> bool:
        """Whether this choice (radio, option, checkbox of a list) is the one typed."""
        chosen = self.typed.get(name)
        if isinstance(chosen, list):
            return str(value) in chosen
        return chosen is not None and str(chosen) == str(value)


def read_typed(form: Any, spec: dict[str, str]) -> TypedForm:
    data: dict[str, Any] = {}
    typed: dict[str, Any] = {}
    unreadable: list[str] = []
    for name, kind in spec.items():
        if kind in LISTS:
            raw = [str(value) for value in form.getall(name, [])]
            typed[name] = raw
            value: Any = _list(raw, kind, name, unreadable)
        else:
            raw_value = form.get(name)
            # None (not sent: a radio group with nothing chosen) stays apart from "" (an empty
            # control, or the empty choice), so the form shows again exactly what was chosen.
            typed[name] = None if raw_value is None else str(raw_value)
            value = _single("" if raw_value is None else str(raw_value), kind, name, unreadable)
        _put(data, name, value)
    return TypedForm(data, typed, unreadable)


def _single(text: str, kind: str, name: str, unreadable: list[str]) -> Any:
    if kind == BOOL:
        return text != ""  # a checked box sends its value; an unchecked one sends nothing
    if text.strip() == "":
        return "" if kind == TEXT_OR_EMPTY else None
    try:
        if kind == INT:
            return int(text.strip())
        if kind == DATE:
            return date.fromisoformat(text.strip()).isoformat()
        if kind == LOCAL_DATETIME:
            return _local_datetime(text.strip()).isoformat(timespec="seconds")
    except ValueError:
        unreadable.append(name)
        return None
    return text


def _local_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    # A datetime-local value has no zone: it is the leader's wall clock, in the committee's zone.
    return moment.replace(tzinfo=local_zone()) if moment.tzinfo is None else moment.astimezone(local_zone())


def _list(raw: list[str], kind: str, name: str, unreadable: list[str]) -> list[Any] | None:
    if not raw:
        return None if kind == LIST_STR_OR_NULL else []
    if kind != LIST_INT:
        return raw
    try:
        return [int(value) for value in raw]
    except ValueError:
        unreadable.append(name)
        return []


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


@dataclass
class FieldError:
    message: str  # a Chinese msgid (ours) or the Chinese message of sync.apply
    field: str | None = None  # a protocol field name, or None for the whole form
    unparseable: bool = False  # True: 400 (cannot be read); False: 422 (read, but not valid)
    translatable: str | None = None  # our msgid for the same problem, for other languages

    def shown(self, locale: str) -> str:
        """The message to pass through `_()`: apply's own words in Chinese, ours otherwise."""
        if locale == "zh_Hans" or self.translatable is None:
            return self.message
        return self.translatable


@dataclass
class Submission:
    record: dict[str, Any] | None  # None: refused before sending (see errors)
    values: TypedForm  # what was typed, to show again
    errors: list[FieldError]


@dataclass(frozen=True)
class OutboxForm:
    record_type: str
    spec: dict[str, str]
    # Where an error can be shown (a control's place, or a group's such as "fields").
    fields: tuple[str, ...]
    # sync.apply answers in Chinese (the protocol's language for the phone); a leader who chose
    # another language sees these instead, by (code, field), then by field: less specific, but
    # in their language.
    apply_messages: dict[tuple[str, str], str]
    field_messages: dict[str, str]
    # Refused before sending: a control whose text is not its type (400), by control...
    unreadable_messages: dict[str, str] = field(default_factory=dict)
    # ...and a control left empty that the form must have (422), in the order shown.
    required_messages: dict[str, str] = field(default_factory=dict)

    def submit(self, form: Any, now: datetime, **fixed: Any) -> Submission:
        """The record for this form, what was typed, and the errors that stop it being sent.
        `fixed`: data the page decides (the URL's household or question), whatever the form says."""
        values = read_typed(form, self.spec)
        errors: list[FieldError] = []
        record_id = str(form.get("id") or "").strip()
        if record_id:
            try:
                record_id = str(uuid.UUID(record_id))
            except ValueError:
                errors.append(FieldError(BAD_ID, None, unparseable=True))
        else:
            record_id = str(uuid.uuid4())
        for name in values.unreadable:
            if name not in fixed:
                errors.append(FieldError(self.unreadable_messages.get(name, OTHER_PROBLEM), name, unparseable=True))
        for name, message in self.required_messages.items():
            if values.data.get(name) is None and name not in values.unreadable:
                errors.append(FieldError(message, name))
        if errors:
            return Submission(None, values, errors)
        record = {
            "id": record_id,
            "type": self.record_type,
            "op": "create",
            "base_version": None,
            "client_time": now.astimezone(local_zone()).isoformat(timespec="seconds"),
            "data": {**values.data, **fixed},
        }
        return Submission(record, values, [])

    def refusal(self, error: Any) -> FieldError:
        """A refusal of sync.apply (or a rule of sync/form_rules.py), with this form's words."""
        name = getattr(error, "field", None)
        translatable = self.apply_messages.get((error.code, name)) or self.field_messages.get(name or "", OTHER_PROBLEM)
        return FieldError(error.message, name, translatable=translatable)

    def errors_by_field(self, errors: list[FieldError], locale: str) -> dict[str, str]:
        """One message per place on the form (the first); errors of no known place go under ''."""
        found: dict[str, str] = {}
        for error in errors:
            key = error.field if error.field in self.fields else ""
            found.setdefault(key, error.shown(locale))
        return found
