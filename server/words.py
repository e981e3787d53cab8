"""The domain's words for codes, shared by the leader's and the office's screens.

Chinese is the msgid; templates pass each through `_()`, and `N_` marks them for extraction
into web/translations. Codes never reach the screen on their own.
"""

from __future__ import annotations

from typing import NamedTuple


class Part(NamedTuple):
    """A piece of a sentence put together in code: a msgid (`word`), or data shown as is.

    Data must never go through `_()`: Jinja's gettext marks its answer safe (unescaped) and
    applies `%` formatting. Templates show a list of parts with the `say` macro (partials/say.html)."""

    text: str
    word: bool


def word(text: str) -> Part:
    return Part(text, True)


def data(value: object) -> Part:
    return Part(str(value), False)
