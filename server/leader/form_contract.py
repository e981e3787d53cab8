"""How a leader's outbox form becomes a record's `data`: the typing contract, done on the server.

The phone's JavaScript reads the same forms (found by `data-outbox-form`) into the same `data`
when it saves an entry to the outbox; the HTML POST routes do it here, so a form sent without
JavaScript and one sent through the outbox make the same record. The contract:
- every named control is a key of `data`, except `id` (the record's id) and `_csrf`;
- dotted names nest: `fields.name` is data["fields"]["name"];
- `data-type="int"`: a whole number; an empty control is null;
- `data-type="bool"` on a checkbox: true when checked, false when not;
- checkboxes sharing a name with `data-type="list-int"` or `data-type="list-str"`: the list of
  the checked values, [] when none is checked, or null when they also carry `data-empty="null"`
  (there "nothing checked" means "no change proposed", not "none");
- any other control is text; an empty text, an empty choice, a radio group with nothing chosen
  is null.
Here the types come from a spec ({name: type}) that must match the template's `data-type`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT, INT, BOOL = "text", "int", "bool"
LIST_INT, LIST_STR, LIST_STR_OR_NULL = "list-int", "list-str", "list-str-or-null"  # the last: data-empty="null"
LISTS = (LIST_INT, LIST_STR, LIST_STR_OR_NULL)


@dataclass
class TypedForm:
    data: dict[str, Any]  # nested, typed: what the record's `data` becomes
    typed: dict[str, Any]  # what the leader typed, by control name (None: not sent), to show again
    unreadable: list[str] = field(default_factory=list)  # controls whose text is not their type


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
        return None
    if kind == INT:
        try:
            return int(text.strip())
        except ValueError:
            unreadable.append(name)
            return None
    return text


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
