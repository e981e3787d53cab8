"""The routes the app has, for the permission matrices that must name every one of them."""

from __future__ import annotations

import re

from server.app import create_app


def app_routes(paths: str, *, matching: bool = True) -> set[tuple[str, str]]:
    """(method, path) of every route whose path matches the pattern `paths` (or, with
    matching=False, every route whose path does not)."""
    found = set()
    for route in create_app(manage_db=False).routes:
        if bool(re.match(paths, route.path)) != matching:
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, route.path))
    return found
