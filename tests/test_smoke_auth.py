"""First checks of the foundation: login through the API and the pages, guards, headers."""

from tests.factories import api_login


async def test_api_login_and_me(client, world):
    token = await api_login(client, "leader01")
    me = await client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["display_name"] == "王秀英"
    assert me.json()["csrf_token"] == token


async def test_security_headers_on_login_page(client, db):
    response = await client.get("/login")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
