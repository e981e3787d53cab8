"""The pack as a PDF made on the server (WeasyPrint), to file and send.

WeasyPrint lays the page out with the same HTML and print styles (@page A4, @media print) the
browser's print uses, so the PDF and a printed page agree. It reads only our own stylesheets:
any other address in the page is refused, so rendering never reaches the network.
"""

from __future__ import annotations

import logging

from server.core.render import WEB_DIR

BASE = "http://louzu.pack/"  # the page's own address while rendering; never fetched
STATIC = (WEB_DIR / "static").resolve()

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font-subsetting notes are not errors
logging.getLogger("fontTools").setLevel(logging.ERROR)


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = url.split("?", 1)[0].split("#", 1)[0]
            if not path.startswith(BASE + "static/"):
                raise ValueError(f"not fetched while making a PDF: {url}")
            file = (STATIC / path[len(BASE + "static/"):]).resolve()
            if STATIC not in file.parents or file.suffix != ".css" or not file.is_file():
                raise ValueError(f"not fetched while making a PDF: {url}")
            return URLFetcherResponse(url, body=file.read_bytes(), headers={"Content-Type": "text/css"})

    return StaticOnly()


def render_pdf(html: str) -> tuple[bytes, int]:
    """(the PDF, its number of pages). CPU-bound: call it off the event loop."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE, url_fetcher=_fetcher()).render()
    return document.write_pdf(), len(document.pages)
