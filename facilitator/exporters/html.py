"""Minutes as a printable HTML page, self-contained so a saved copy still looks right.

The same page is the source of the PDF, and its body the editor's live preview and the
participants' results, so what the organiser sees is what gets filed.
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from facilitator.exporters import format_when, labels
from facilitator.exporters.outline import build_outline, flatten
from facilitator.services.minutes import Minutes

# From this many list entries on, the minutes are set compact (minutes.css, `.compact`): a big
# workshop's lists without a bullet box per entry, which is most of the PDF's layout time.
COMPACT_FROM = 300


@lru_cache(maxsize=4)
def inline_stylesheet(filename: str) -> str:
    """A stylesheet from static/css, read once, for documents that fetch nothing (PDFs, saved pages)."""
    with open(f"{current_app.static_folder}/css/{filename}", encoding="utf-8") as handle:
        return handle.read()


def minutes_stylesheet() -> str:
    return inline_stylesheet("minutes.css")


def stylesheet_hash() -> str:
    """CSP hash of the inlined stylesheet, so the page can be served under a strict policy."""
    digest = hashlib.sha256(minutes_stylesheet().encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def context(minutes: Minutes) -> dict:
    """What the minutes templates need; call inside the minutes' locale."""
    outline = build_outline(minutes)
    return {"minutes": minutes, "outline": outline, "label": labels(), "when": format_when(minutes),
            "author": minutes.signature.strip().split("\n")[0],
            "compact": count_entries(outline.blocks) >= COMPACT_FROM}


def count_entries(blocks: list) -> int:
    return sum(len(block.entries) for block in flatten(blocks) if block.kind == "list")


def render_html(minutes: Minutes) -> str:
    with force_locale(minutes.language):
        return render_template("export/minutes.html", stylesheet=minutes_stylesheet(), **context(minutes))


def render_body(minutes: Minutes) -> Markup:
    """The minutes' article alone, in the minutes' language: for the preview and the results page."""
    with force_locale(minutes.language):
        # render_template escapes every value; the result is safe HTML.
        return Markup(render_template("export/_minutes_body.html", **context(minutes)))  # noqa: S704
