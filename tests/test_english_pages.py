"""The office and admin pages in English: every word on them is English. Chinese left on an
English page is a word the catalog does not translate; the only Chinese allowed is data (the
committee's names, addresses and notes, which this test knows because it wrote them)."""

from __future__ import annotations

from tortoise import Tortoise

from server.models import User
from tests.factories import api_login
from tests.office_factories import make_device, make_question, make_roster_change, make_visit
from tests.page_text import HAN, chinese_left

# The language switch names Chinese in Chinese, on every page.
SWITCH_TO_CHINESE = '<button type="submit" name="locale" value="zh_Hans" class="link-button" lang="zh-Hans">中文</button>'


async def stored_words() -> list[str]:
    """Every text value in the test's store that holds Chinese (names, addresses, notes...)."""
    words: set[str] = set()
    conn = Tortoise.get_connection("default")
    for model in Tortoise.apps.get_models_iterable():
        for row in await conn.execute_query_dict(f'SELECT * FROM "{model._meta.db_table}"'):
            words.update(value for value in row.values() if isinstance(value, str) and HAN.search(value))
    return sorted(words)


def untranslated(html: str, data: list[str]) -> set[str]:
    """Chinese words left anywhere in the page, its attributes included (aria-label, placeholder,
    title...). Full-width punctuation is not looked for: the office templates put it around
    data, e.g. "name（username）", outside the catalog."""
    assert SWITCH_TO_CHINESE in html  # else the line below would hide nothing, or the wrong thing
    return chinese_left(html.replace(SWITCH_TO_CHINESE, ""), data, HAN)


async def test_office_pages_have_no_chinese_left_in_english(client, world):
    visit = await make_visit(world, status="urgent", follow_up_needed=True, residents=[world.residents["li"]])
    await make_visit(world, 3, status="concern", notes="Back pain, asked for a doctor")
    await make_question(world, visit, "Which medicine was it?")
    await make_roster_change(world, 1, resident=world.residents["zhao"], note="New phone")
    await make_device(world.users["leader01"], label="Android phone")
    await User.filter(username="admin").update(locale="en")
    await api_login(client, "admin")
    data = await stored_words()
    for path in ("/", "/office", f"/office/visits/{visit.id}", "/office/follow-ups", "/office/checks",
                 "/office/monthly", "/admin/users", "/admin/users/new",
                 f"/admin/users/{world.users['leader01'].id}", "/admin/audit"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert 'lang="en"' in response.text, path
        assert untranslated(response.text, data) == set(), path
    # A month the office typed wrong is refused, in English too.
    response = await client.get("/office/monthly?month=bad")
    assert response.status_code == 400
    assert 'lang="en"' in response.text
    assert untranslated(response.text, data) == set()
