"""The offline scripts' words are the catalog's: web/static/js/words.<locale>.js is what
`python -m server.core.words` writes from server/core/words.py PHONE_WORDS and web/translations, so an
English-speaking leader sees one name for one thing, online or off (issue 12: 帮困求助 was
"Help with hardship" on the form and "Assistance" in the list of waiting entries)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.core.i18n import LOCALES, translations
from server.core.words import PHONE_WORDS, phone_words_js, phone_words_path
from sync.vocabulary import VISIT_KIND_WORDS, VISIT_STATUS_WORDS

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "web" / "static" / "js"


def served_words(locale: str) -> dict[str, str]:
    """The words a page in this locale gets: the committed file, as the browser reads it."""
    text = phone_words_path(locale).read_text(encoding="utf-8")
    return json.loads(text.split("self.LouzuWords = ", 1)[1].rstrip().removesuffix(";"))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_words_are_what_the_catalog_makes(locale):
    assert phone_words_path(locale).read_text(encoding="utf-8") == phone_words_js(locale), (
        f"web/static/js/words.{locale}.js is out of date: run `python -m server.core.words`"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_word_on_the_phone_is_the_catalogs(locale):
    words = served_words(locale)
    gettext = translations(locale).gettext
    for prefix, table in (("kind_", VISIT_KIND_WORDS), ("status_", VISIT_STATUS_WORDS)):
        for code, msgid in table.items():
            assert words[prefix + code] == gettext(msgid), (locale, code)
    assert words["kind_assistance"] == ("帮困求助" if locale == "zh_Hans" else "Help with hardship")


def test_each_language_fills_in_the_same_blanks():
    chinese, english = served_words("zh_Hans"), served_words("en")
    assert chinese.keys() == english.keys() == PHONE_WORDS.keys()
    for key in PHONE_WORDS:
        assert set(re.findall(r"\{\w+\}", chinese[key])) == set(re.findall(r"\{\w+\}", english[key])), key


def test_every_word_a_script_asks_for_is_in_the_table():
    asked = set()
    for script in JS.glob("*.js"):
        if not script.name.startswith("words."):
            asked |= set(re.findall(r"\bt\('(\w+)'[,)]", script.read_text(encoding="utf-8")))
    assert asked and not asked - PHONE_WORDS.keys(), sorted(asked - PHONE_WORDS.keys())
    # No script keeps words of its own beside the table (they were Chinese defaults once).
    for script in JS.glob("*.js"):
        if not script.name.startswith("words."):
            assert "LouzuWords" not in script.read_text(encoding="utf-8").replace("self.LouzuWords || {}", ""), script


def test_the_worker_keeps_every_shared_script_for_offline_use():
    worker = (ROOT / "web" / "sw.js").read_text(encoding="utf-8")
    partial = (ROOT / "web" / "templates" / "partials" / "scripts.html").read_text(encoding="utf-8")
    shared = set(re.findall(r"static_url\('js/([\w.]+)\.js'\)", partial)) - {"office_live"}  # the office is online
    assert "static_url('js/words.' ~ locale ~ '.js')" in partial
    shared |= {f"words.{locale}" for locale in LOCALES}
    assert {"outbox", "status", "forms", "app", "checks", "visits"} <= shared  # the pattern still finds them
    for name in sorted(shared):
        assert f"'/static/js/{name}.js?v=' + ASSET_VERSION" in worker, name
