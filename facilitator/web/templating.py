"""Template helpers: formatting for people, in their locale."""
from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape
from flask_babel import format_date, format_datetime, format_decimal, format_time, gettext as _

from facilitator.models import utcnow
from facilitator.services.question_kinds import kind_label
from facilitator.services.workshops import JOIN_CODE_LENGTH, can_steer, status_label


def init_app(app: Flask) -> None:
    app.jinja_env.filters["spaced_code"] = spaced_code
    app.jinja_env.filters["long_date"] = lambda d: format_date(d, "long") if d else ""
    app.jinja_env.filters["short_time"] = lambda t: format_time(t, "short") if t else ""
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["breakable_url"] = breakable_url
    app.jinja_env.filters["epoch_ms"] = lambda moment: int(moment.timestamp() * 1000) if moment else 0
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["short_datetime"] = lambda moment: format_datetime(moment, "short") if moment else ""
    app.jinja_env.filters["event_label"] = event_label
    app.jinja_env.filters["kind_label"] = kind_label
    # A mean on a scale, in the reader's locale: "3,75" in Norwegian, "3.75" in English.
    app.jinja_env.filters["format_decimal"] = lambda number: format_decimal(number, format="#,##0.0#")
    # A link to another workshop is shown only to those who may open it.
    app.jinja_env.globals["can_steer"] = can_steer
    app.context_processor(lambda: {"server_now_ms": int(utcnow().timestamp() * 1000)})
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def spaced_code(code: str) -> str:
    """'ABC234' as 'ABC 234': easier to read aloud and to copy by eye."""
    half = JOIN_CODE_LENGTH // 2
    return f"{code[:half]} {code[half:]}" if len(code) == JOIN_CODE_LENGTH else code


def breakable_url(url: str) -> Markup:
    """An address that wraps after a slash rather than in the middle of the code."""
    return Markup("/<wbr>").join(escape(part) for part in url.split("/"))


def clock(seconds: int) -> str:
    """Seconds as 'm:ss', how a countdown reads."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def event_label(event) -> str:
    """A moderation act as a line of the log, in the reader's language."""
    labels = {
        "hide": _("Hid a suggestion"), "show": _("Showed a suggestion again"),
        "approve": _("Approved a suggestion"), "edit": _("Edited a suggestion"),
        "pin": _("Pinned a suggestion"), "unpin": _("Unpinned a suggestion"),
        "merge": _("Merged two suggestions"), "unmerge": _("Separated a merged suggestion"),
        "hide_results": _("Hid the suggestions from the projector"),
        "reveal_results": _("Revealed the suggestions"), "moderation_mode": _("Changed the moderation mode"),
        "theme": _("Moved a suggestion to a theme"), "create_theme": _("Created a theme"),
        "rename_theme": _("Renamed a theme"), "delete_theme": _("Removed a theme"),
        "create_action": _("Added an action"), "update_action": _("Updated an action"),
        "delete_action": _("Removed an action"), "open_voting": _("Opened voting"),
        "close_voting": _("Closed voting"), "vote_settings": _("Changed the voting settings"),
        "start_round": _("Started a round"), "end_round": _("Ended a round"),
        "tables": _("Changed the tables"), "table": _("Changed a table"), "table_mode": _("Changed how tables work"),
        "projector": _("Changed what the projector shows"), "invite": _("Invited a co-facilitator"),
        "add_cofacilitator": _("Added a co-facilitator"), "accept_invite": _("Joined as co-facilitator"),
        "remove_cofacilitator": _("Removed a co-facilitator"),
        "plan_next": _("Planned the next meeting"),
        "answered": _("Marked a question to the panel answered"),
        "unanswered": _("Marked a question to the panel not answered yet"),
        "other_visible": _("Showed an “other” answer"), "other_hidden": _("Hid an “other” answer"),
        "planned_from": _("Planned this meeting from the previous one, with its team and open actions"),
    }
    label = labels.get(event.action, event.action)
    return f"{label}: {event.suggestion.text}" if event.suggestion is not None else label
