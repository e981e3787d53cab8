"""Static files: a URL that names its version is kept a year (a repeat visit online asks for
nothing); any other static URL is revalidated, so a release is never hidden by an old copy."""

from __future__ import annotations

import re

import pytest

from server.settings import APP_VERSION
from server.static_files.cache_control import IMMUTABLE, cache_control_for
from server.static_files.version import ASSET_VERSION, static_digest
from tests.factories import api_login

VERSIONED = [
    f"/static/js/app.js?v={ASSET_VERSION}",
    f"/static/css/louzu.css?v={ASSET_VERSION}",
    "/static/vendor/htmx-2.0.11.min.js",
]
UNVERSIONED = ["/static/js/app.js", "/static/js/app.js?v=0.0.0-old", "/static/icons/icon.svg"]


@pytest.mark.parametrize("url", VERSIONED)
async def test_versioned_static_urls_are_immutable(client, db, url):
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("url", UNVERSIONED)
async def test_other_static_urls_are_revalidated(client, db, url):
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


async def test_the_pages_name_the_version_on_every_script_and_style(client, world):
    await api_login(client, "leader01")
    html = (await client.get(f"/households/{world.households[0].id}")).text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css)[^"]*)"', html)
    assert urls
    for url in urls:
        path, _, query = url.partition("?")
        assert cache_control_for(path, query.replace("&amp;", "&")) == IMMUTABLE, url


async def test_a_missing_static_file_is_not_cached_for_a_year(client, db):
    response = await client.get(f"/static/js/nothing-here.js?v={ASSET_VERSION}")
    assert response.status_code == 404
    assert response.headers.get("cache-control") != IMMUTABLE


async def test_pages_and_the_worker_keep_their_own_cache_rules(client, db):
    assert (await client.get("/sw.js")).headers["cache-control"] == "no-cache"
    assert "immutable" not in (await client.get("/login")).headers.get("cache-control", "")


def test_the_version_on_static_urls_changes_with_any_static_file(tmp_path):
    """A script changed without a release bump is still a new URL: no phone keeps the old one."""
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "app.js"
    script.write_text("one();")
    before = static_digest(tmp_path)
    assert static_digest(tmp_path) == before  # stable
    script.write_text("two();")
    assert static_digest(tmp_path) != before
    script.write_text("one();")
    (tmp_path / "js" / "new.js").write_text("")
    assert static_digest(tmp_path) != before
    assert ASSET_VERSION.startswith(APP_VERSION + "-")
