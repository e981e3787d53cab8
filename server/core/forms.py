"""Reading a submitted form: one reader, on one typing contract, for every form of the app.

A leader's outbox forms are read by the phone's JavaScript (found by `data-outbox-form`) into the
same `data` when it saves an entry to the outbox, and here when they are posted without it, so both
make the same record (server/leader/form_contract.py); the office's and the admin's forms are read
here too, then checked field by field. The contract:
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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from server.core.clock import local_zone

TEXT, INT, BOOL, DATE, LOCAL_DATETIME = "text", "int", "bool", "date", "local-datetime"
TEXT_OR_EMPTY = "text-or-empty"  # data-empty="": "" rather than null
LIST_INT, LIST_STR, LIST_STR_OR_NULL = "list-int", "list-str", "list-str-or-null"  # the last: data-empty="null"
LISTS = (LIST_INT, LIST_STR, LIST_STR_OR_NULL)


@dataclass
class TypedForm:
    data: dict[str, Any]  # nested, typed: what the record's `data` becomes
    typed: dict[str, Any]  # what was typed, by control name (None: not sent), to show again
    unreadable: list[str] = field(default_factory=list)  # controls whose text is not their type

    def text(self, name: str) -> str:
        """What was typed in a control, "" when nothing; line breaks as "\\n", as the phone's
        JavaScript reads a textarea (an HTML form sends "\\r\\n")."""
        return str(self.typed.get(name) or "").replace("\r\n", "\n")

    def texts(self) -> dict[str, str]:
        return {name: self.text(name) for name in self.typed}

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
