"""Whole numbers typed into a query or form: an id the store can hold, a page a list can have.

`str.isdigit()` is true of "²", which int() refuses, and int() takes any length of digits,
which a 32-bit id column or an OFFSET refuses: both were 500s. These read them safely.
"""

from __future__ import annotations

from sync.fields import MAX_INT

MAX_PAGE = 10**6  # no list is that long; beyond it the OFFSET would not fit the store


def store_id(text: str | None) -> int | None:
    """An id the database could hold (1 .. 2^31-1), or None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= 10):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_INT else None


def page_number(text: str | None) -> int:
    """A list's page from the query string: 1 unless a sensible page number was given."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal() and len(text) <= 7):
        return 1
    return min(max(int(text), 1), MAX_PAGE)
