"""The rules of sync/form_rules.py as a leader's page carries them: JSON in each outbox form's
`data-rules`, so that web/static/js/checks.js checks the form before saving, offline too (a kept
copy of the page keeps its rules). Used in templates as `data-rules="{{ form_rules('visit') }}"`.

In Chinese each rule says exactly what the server would; in another language it says what the
HTML form route says for the same refusal (server/leader/visit_form.py and friends): less
specific, but in the leader's language, and with the same msgids (already translated).
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import pass_context

from server.leader.questions import ANSWER_FORM
from server.leader.roster_form import ROSTER_FORM
from server.leader.visit_form import VISIT_FORM
from sync.form_rules import RULES

FORMS = {form.record_type: form for form in (VISIT_FORM, ANSWER_FORM, ROSTER_FORM)}


def page_rules(record_type: str, locale: str, translations: Any) -> list[dict[str, Any]]:
    rules = []
    for rule in RULES[record_type]:
        body = rule.to_json()
        if locale != "zh_Hans":
            shown = FORMS[record_type].refusal(rule).shown(locale)
            body["message"] = translations.gettext(shown)
        rules.append(body)
    return rules


@pass_context
def form_rules(context: Any, record_type: str) -> str:
    """For an attribute value: Jinja's autoescape makes the quotes safe."""
    rules = page_rules(record_type, context["locale"], context["translations"])
    return json.dumps(rules, ensure_ascii=False, separators=(",", ":"))
