"""How a leader's outbox form becomes a sync record, on the forms' typing contract (server/core/forms.py).

The phone's JavaScript reads the same forms (found by `data-outbox-form`) into the same `data`
when it saves an entry to the outbox; the HTML POST routes do it here, so a form sent without
JavaScript and one sent through the outbox make the same record.

Each leader form is an `OutboxForm`: its spec, the refusals it makes before sending (text that
is not its type: 400; a control it must have: 422), and the words it shows for sync.apply's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.core.clock import local_zone
from server.core.forms import TypedForm, read_typed
from sync.vocabulary import N_

BAD_ID = N_("记录编号无法识别，请刷新页面后再填写")
OTHER_PROBLEM = N_("没有保存，请刷新页面后再试一次")


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
