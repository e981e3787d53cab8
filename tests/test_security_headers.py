"""Security headers on every answer, errors included: a 404 or 405 comes from no route and no
middleware, so the headers are added where every answer passes (server/core/security_headers.py)."""

from __future__ import annotations

import pytest

DOCUMENT_HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


def assert_document_headers(response) -> None:
    for name in DOCUMENT_HEADERS:
        assert name in response.headers, (response.request.url, response.status_code, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no-such-page", 404),
    ("GET", "/api/no-such-thing", 404),
    ("GET", "/static/js/no-such-script.js", 404),
    ("PUT", "/login", 405),
    ("DELETE", "/api/sync/push", 405),
    ("GET", "/api/sync/push", 405),
])
async def test_errors_from_no_route_carry_the_security_headers(client, db, method, path, status):
    response = await client.request(method, path)
    assert response.status_code == status
    assert_document_headers(response)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PUT", "/login", {"GET", "POST"}),
    ("DELETE", "/api/sync/push", {"POST"}),
    ("PATCH", "/office", {"GET"}),
])
async def test_a_405_says_which_methods_are_allowed(client, db, method, path, allowed):
    response = await client.request(method, path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}


async def test_a_refusal_of_a_handler_carries_them_too(client, db):
    for response in (await client.get("/households/2147483648"), await client.get("/api/auth/me")):
        assert response.status_code in (401, 404) or response.is_redirect
        assert_document_headers(response)


async def test_hsts_only_when_served_over_https(client, db, monkeypatch):
    assert "strict-transport-security" not in (await client.get("/login")).headers
    monkeypatch.setenv("LOUZU_HTTPS", "1")
    for path in ("/login", "/no-such-page", "/static/js/app.js"):
        response = await client.get(path)
        assert response.headers["strict-transport-security"].startswith("max-age=31536000"), path
