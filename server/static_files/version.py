"""The version every page puts on its CSS and JS URLs (`?v=`), read from the files themselves.

The release number alone was bumped by hand: a release that changed a script but forgot the
bump would have left phones on the old script for a year (the URLs are cached as immutable).
A digest of web/static changes whenever any file there does, so a new file is a new URL, the
service worker (which carries this version) is a new worker, and the kept pages are fetched again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from server.settings import APP_VERSION, WEB_DIR


def static_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = f"{APP_VERSION}-{static_digest(WEB_DIR / 'static')}"
