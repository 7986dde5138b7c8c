"""Template helpers: formatting for people, in their locale."""
from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape
from flask_babel import format_date, format_time

from .services.workshops import JOIN_CODE_LENGTH, status_label


def init_app(app: Flask) -> None:
    app.jinja_env.filters["spaced_code"] = spaced_code
    app.jinja_env.filters["long_date"] = lambda d: format_date(d, "long") if d else ""
    app.jinja_env.filters["short_time"] = lambda t: format_time(t, "short") if t else ""
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["breakable_url"] = breakable_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def spaced_code(code: str) -> str:
    """'ABC234' as 'ABC 234': easier to read aloud and to copy by eye."""
    half = JOIN_CODE_LENGTH // 2
    return f"{code[:half]} {code[half:]}" if len(code) == JOIN_CODE_LENGTH else code


def breakable_url(url: str) -> Markup:
    """An address that wraps after a slash rather than in the middle of the code."""
    return Markup("/<wbr>").join(escape(part) for part in url.split("/"))
