"""Exporters: compiled minutes in, a document out. Pure functions plus a template."""
from __future__ import annotations

from datetime import date, time, tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app, has_app_context
from flask_babel import gettext as _

from facilitator.models import Workshop
from facilitator.services.minutes import Minutes


def format_when(minutes: Minutes) -> str:
    """'13. april 2010, 16:00–20:00' in the minutes' language."""
    parts = []
    if minutes.date:
        parts.append(format_date(minutes.date, format="long", locale=babel_locale(minutes.language)))
    times = [format_time(t, format="short", locale=babel_locale(minutes.language))
             for t in (minutes.start_time, minutes.end_time) if t]
    if times:
        parts.append("–".join(times))
    return ", ".join(parts)


def babel_locale(language: str) -> str:
    # Babel knows bokmål as nb and nynorsk as nn; every other code is its own.
    return language or "en"


def labels() -> dict[str, str]:
    """Headings and field names, translated in the active (workshop) locale."""
    return {
        "date": _("Date"),
        "place": _("Place"),
        "theme": _("Theme"),
        "participants": _("Participants"),
        "program": _("Program"),
        "suggestions": _("Suggestions:"),
        "no_suggestions": _("No suggestions."),
        "regards": _("Kind regards"),
        "minutes": _("Minutes"),
        "facilitators": _("Facilitators"),
        "no_table": _("Suggestions from no table"),
        "ranking": _("Ranking"),
        "themes": _("Themes"),
        "hidden": _("Hidden suggestions"),
        "action_plan": _("Action plan"),
        "what": _("What"),
        "who": _("Who"),
        "when": _("When"),
        "status": _("Status"),
    }


def file_stem(minutes: Minutes | Workshop) -> str:
    """A safe file name from the title and date (of the minutes or the workshop itself): letters,
    digits and dashes only."""
    title = "".join(ch if ch.isalnum() else "-" for ch in minutes.title.lower())
    title = "-".join(part for part in title.split("-") if part)[:60] or "minutes"
    return f"{title}-{minutes.date.isoformat()}" if isinstance(minutes.date, date) else title


def local_zone() -> tzinfo:
    """The venue's time zone (TIMEZONE), in which the raw data shows when things were sent."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "UTC")


__all__ = ["format_when", "labels", "file_stem", "local_zone", "time"]
