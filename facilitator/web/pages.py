"""Pages about the service itself: the accessibility statement.

Public bodies in the EU must publish one for every web service they run (Web
Accessibility Directive 2016/2102, WCAG 2.1 AA through EN 301 549). The page
says what was tested and how, what is known not to work, and where to send
feedback; it speaks the reader's language like every other page.
"""
from __future__ import annotations

import json
import os
from datetime import date
from functools import lru_cache

from flask import Blueprint, current_app, redirect, render_template, url_for

bp = Blueprint("pages", __name__)

# The day the checks described on the page were last run and the text reviewed.
# Move it whenever tests/e2e/test_accessibility.py or the statement changes.
STATEMENT_DATE = date(2026, 12, 4)


@lru_cache(maxsize=1)
def axe_version(manifest_path: str) -> str:
    """The axe-core version the tests inject, as pinned in static/vendor/vendor.json."""
    try:
        with open(manifest_path, encoding="utf-8") as handle:
            assets = json.load(handle)["assets"]
        return next(a["version"] for a in assets if a["package"] == "axe-core")
    except (OSError, ValueError, KeyError, StopIteration):
        return "4"


def feedback_contact() -> str:
    """Where the organisation running this server takes accessibility feedback (an address or a URL).

    Each municipality runs its own copy, so the contact is theirs to set; empty means
    the page points people to the facilitator of their workshop instead."""
    return (current_app.config.get("ACCESSIBILITY_CONTACT")
            or os.environ.get("ACCESSIBILITY_CONTACT", "")).strip()


@bp.get("/favicon.ico")
def favicon():
    """The icon a browser asks for by itself where a page names none (the printable minutes, a
    PDF viewer's tab): the SVG every page links. Temporary, because the SVG's URL carries its
    content hash and changes with it."""
    response = redirect(url_for("static", filename="favicon.svg"), 302)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: status, how it was tested, known limits, feedback."""
    contact = feedback_contact()
    manifest = os.path.join(current_app.static_folder or "", "vendor", "vendor.json")
    return render_template(
        "pages/accessibility.html",
        statement_date=STATEMENT_DATE,
        axe_version=axe_version(manifest),
        contact=contact,
        contact_is_url=contact.startswith(("https://", "http://")),
    )
