"""Reading the HTML the app answers, as a person (or a phone's outbox) would."""

from __future__ import annotations

import re
from html import unescape


def text_of(html: str) -> str:
    """The words of a page or a fragment, tags gone, spaces folded."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# Chinese on an English page: Han characters, and the full-width punctuation around them.
CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Han characters alone: a Chinese word.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def chinese_left(text: str, data, pattern: re.Pattern = CHINESE) -> set[str]:
    """The Chinese in `text` once the data a page may show (names, addresses, notes: any Chinese
    a test put in the store itself) is taken away: on an English page, words left untranslated."""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    return set(pattern.findall(text))


def field_error(html: str, error_id: str) -> str | None:
    """The message in a field's error slot, or None when the slot is not there."""
    # Every message carries its sign (partials/form_errors.html); the words come after it.
    match = re.search(
        rf'<p class="field-error" id="{error_id}">(?:<span class="shape shape\-octagon" aria\-hidden="true">!</span> )?(.*?)</p>',
        html, re.S,
    )
    return text_of(match.group(1)).strip() if match else None


def outbox_form(html: str, form_class: str, *, action: str, record: str, csrf: str, about: tuple[str, int]) -> str:
    """The form of class `form_class`, checked against the outbox's contract (web/static/js):
    it posts to `action` without JavaScript, its entries are records of type `record` about
    the row `about` (e.g. ("household", 3): data-household-id, and household_id sent as an
    int), it has an empty id for the phone to fill, and the page's CSRF token. Answers the form."""
    found = re.search(rf'<form class="{form_class}".*?</form>', html, re.S)
    assert found, form_class
    form = found.group(0)
    opening = form.split(">", 1)[0]
    name, row_id = about
    assert f'action="{action}"' in opening and 'method="post"' in opening
    assert f'data-outbox-form="{record}"' in opening and f'data-{name}-id="{row_id}"' in opening
    assert '<input type="hidden" name="id" value="">' in form
    assert f'name="_csrf" value="{csrf}"' in form
    assert f'<input type="hidden" name="{name}_id" value="{row_id}" data-type="int">' in form
    return form
