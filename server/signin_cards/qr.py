"""Draws a card's QR code as inline SVG (segno), named for screen readers."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(url: str, label: str) -> Markup:
    """An <svg role="img"> of `url`: inline markup, so the strict CSP needs no exception.

    Error correction M survives a crease or a smudge on a card kept in a wallet; segno
    raises it further when the code's size allows. The size is left to the stylesheet.
    """
    code = segno.make_qr(url, error="m")
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="card-qr", lineclass="card-qr-modules",
                          title=label)
    # segno writes `<svg viewBox=...`; the role and name make it one image to assistive tech.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
