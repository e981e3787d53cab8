"""How the pack's stored figures hold values: times as ISO text, notes short (codes: office.pages.code)."""

from __future__ import annotations

from typing import Any

NOTES_CHARS = 80  # a visit's notes on the printed page


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= NOTES_CHARS else text[:NOTES_CHARS] + "…"
