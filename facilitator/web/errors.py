"""Error pages: translated, calm, and never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from facilitator.infra.extensions import db
from facilitator.infra.overload import SHED, busy_words


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(OperationalError, database_unavailable)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, http_error)
    # First of all before_request functions: a send the overload gate shed skips the CSRF check
    # and the limits.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_if_shed)


def render_error(status: int, title: str, message: str):
    if request.headers.get("HX-Request"):
        return render_template("_error.html", title=title, message=message), status
    return render_template("error.html", title=title, message=message, status=status), status


def csrf_error(error):
    return render_error(400, _("The form has expired"), _(
        "For your safety the form could not be sent. Reload the page and try again; "
        "what you wrote is still in the box if your browser kept it."))


def database_unavailable(error):
    """A briefly locked or unreachable database: ask the phone to try again, lose nothing."""
    db.session.rollback()
    response, status = render_error(503, _("Busy for a moment"), _(
        "The server is busy. Nothing was lost: please try again in a few seconds."))
    return response, status, {"Retry-After": "2"}


def http_error(error):
    status = getattr(error, "code", 500) or 500
    if status == 429 and getattr(error, "response", None) is not None:
        return error.response  # a limit that answers in its own words (the login form, refilled)
    if status == 500:
        db.session.rollback()
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (_("Not found"), _("There is nothing here. Check the address or the workshop code.")),
        405: (_("Not allowed"), _("That action is not available here.")),
        413: (_("Too long"), _("What you sent is too large. Please shorten it and try again.")),
        429: (_("Slow down"), _("Too many attempts. Please wait a minute and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened. Nothing you sent before is lost; please try again.")),
    }
    title, message = messages.get(status, messages[500])
    return render_error(status, title, message)


def refuse_if_shed():
    """A send the overload gate shed gets its answer in the browser's language: busy, kept,
    will be sent."""
    seconds = request.environ.get(SHED)
    if seconds is None:
        return None
    response, status = render_error(503, **busy_words())
    return response, status, {"Retry-After": str(seconds), "Cache-Control": "no-store"}
