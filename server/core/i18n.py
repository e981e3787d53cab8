"""Babel catalogs: Chinese is the source language (msgids are 中文), English is translated."""

from __future__ import annotations

from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from server.settings import WEB_DIR

TRANSLATIONS_DIR = WEB_DIR / "translations"
LOCALES = ("zh_Hans", "en")
DEFAULT_LOCALE = "zh_Hans"
LOCALE_NAMES = {"zh_Hans": "中文", "en": "English"}


def compile_catalogs() -> None:
    """Compile each .po to .mo when the .mo is missing or older: no separate build step."""
    for po_path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return NullTranslations()
    compile_catalogs()
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


def normalise_locale(value: str | None) -> str:
    return value if value in LOCALES else DEFAULT_LOCALE
