"""Minutes as a printable HTML page, self-contained so a saved copy still looks right."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import force_locale

from . import format_when, labels
from ..services.minutes import Minutes


@lru_cache(maxsize=1)
def minutes_stylesheet() -> str:
    path = current_app.static_folder + "/css/minutes.css"
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def stylesheet_hash() -> str:
    """CSP hash of the inlined stylesheet, so the page can be served under a strict policy."""
    digest = hashlib.sha256(minutes_stylesheet().encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def render_html(minutes: Minutes) -> str:
    with force_locale(minutes.language):
        return render_template("export/minutes.html", minutes=minutes, label=labels(),
                               when=format_when(minutes), stylesheet=minutes_stylesheet())
