"""Static files: a URL that names its version is kept a year (a repeat visit online asks for
nothing); any other static URL is revalidated, so a release is never hidden by an old copy."""

from __future__ import annotations

import re

import pytest

from server.settings import APP_VERSION
from server.static_files.cache_control import IMMUTABLE, cache_control_for
from tests.factories import api_login

VERSIONED = [
    f"/static/js/app.js?v={APP_VERSION}",
    f"/static/css/louzu.css?v={APP_VERSION}",
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
    response = await client.get(f"/static/js/nothing-here.js?v={APP_VERSION}")
    assert response.status_code == 404
    assert response.headers.get("cache-control") != IMMUTABLE


async def test_pages_and_the_worker_keep_their_own_cache_rules(client, db):
    assert (await client.get("/sw.js")).headers["cache-control"] == "no-cache"
    assert "immutable" not in (await client.get("/login")).headers.get("cache-control", "")
