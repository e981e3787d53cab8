"""The controllers of HTML pages (as opposed to the JSON API under /api/)."""

from __future__ import annotations

from litestar import Controller


class Pages(Controller):
    """HTML pages: kept out of the API schema, which describes the JSON API under /api/ only
    (tests/test_api_schema.py); a subclass names its path and guards."""

    include_in_schema = False
