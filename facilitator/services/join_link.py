"""The join link and its QR code, both made on the server (no outside service)."""
from __future__ import annotations

from functools import lru_cache

import segno
from flask import current_app, url_for
from markupsafe import Markup

from facilitator.models import Workshop


def public_url(endpoint: str, **values) -> str:
    """An address for people to open; PUBLIC_URL wins over the request's own host behind a proxy."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def join_url(workshop: Workshop) -> str:
    """The address phones open."""
    return public_url("participant.workshop", code=workshop.join_code)


def results_url(workshop: Workshop) -> str:
    """The participants' results page, which the projector of a closed workshop points to."""
    return public_url("results.page", code=workshop.join_code)


def table_join_url(workshop: Workshop, number: int) -> str:
    """The join link that chooses a café table on the join form: what that table's card encodes."""
    return f"{join_url(workshop)}?table={number}"


def display_join_url(url: str) -> str:
    """The address as people read it aloud: without the scheme."""
    return url.split("://", 1)[-1]


@lru_cache(maxsize=256)
def qr_svg(url: str) -> Markup:
    """An inline SVG QR code that scales with its container (no fixed size). Its title is the
    address it encodes: a PDF of the join cards takes it as the figure's alternative text (on
    pages the container's role="img" label is what is read)."""
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff",
                        svgclass="qr", lineclass=None, title=url)
    return Markup(svg)  # noqa: S704 - segno builds the SVG from the URL's bits, no text from it
