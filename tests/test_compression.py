"""The gzip middleware compresses pages but leaves .xlsx alone: a workbook is a zip already, and
gzipping a ten-year export a second time costs the server CPU for nothing."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import api_login
from tests.office_factories import at, make_visit


async def test_xlsx_is_sent_as_it_is_while_html_is_gzipped(client, world):
    await make_visit(world, 0, at("2026-11-10 09:00"))
    await api_login(client, "office")
    gzip = {"accept-encoding": "gzip"}

    page = await client.get("/office/", headers=gzip)
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"

    for path in ("/office/visits.xlsx", "/office/roster/template.xlsx"):
        response = await client.get(path, headers=gzip)
        assert response.status_code == 200, path
        assert "content-encoding" not in response.headers, path
        assert response.content[:2] == b"PK", path  # the zip package itself, byte for byte
        load_workbook(io.BytesIO(response.content))
