"""One place commits a request's work, and only then announces it.

Views and services change and flush; they never commit. When a write request (POST and the
like) has answered without an error, ``commit_request`` commits everything it did in one
transaction, and then hands the announcements recorded with it (``services.announcements``) to
their listeners (the live layer, which subscribed at start-up: this module never imports it). Anything else (a GET, a refusal with 4xx, an error page) commits nothing: the
session is rolled back when the request ends, and what it recorded is dropped with it.

Because the commit comes after the view, everything the answer shows (the phone's own list
after a send, a poll's results) is read in the same transaction as the change: one connection
checkout, one transaction per send. And because it comes before the answer leaves, a commit
that fails replaces the answer: the phone is never told "saved" for something that was not
stored, and the room hears nothing of it.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import InternalServerError

from facilitator.infra.extensions import db
from facilitator.services import announcements
from facilitator.web import errors
from facilitator.web.results import prepare_pdfs_later

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask) -> None:
    # Registered after the limits (limits.init_app): Flask runs after_request functions in
    # reverse, so the limits see the final answer, a failed commit's 503 included.
    app.after_request(commit_request)


def commit_request(response: Response) -> Response:
    """Commit a write request that succeeded, then publish what it announced."""
    prepared = []
    if request.method not in SAFE_METHODS and response.status_code < 400:
        prepared = announcements.prepare_for_listeners(current_app)
        try:
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - whatever failed, the change is not stored
            db.session.rollback()
            response = failed_commit(error)
    # What this request committed (here, or earlier where a view had to: before an e-mail).
    prepare_pdfs_for(announcements.publish_committed(current_app, prepared))
    return response


def failed_commit(error: Exception) -> Response:
    """The answer to a request whose commit failed: its own error page, in the reader's language,
    instead of the one the view rendered (which may have said "saved")."""
    drop_flashed("success")
    if isinstance(error, OperationalError):
        current_app.logger.warning("commit failed, the database is unavailable: %s", error)
        return current_app.make_response(errors.database_unavailable(error))
    current_app.logger.error("commit failed", exc_info=error)
    return current_app.make_response(errors.http_error(InternalServerError()))


def drop_flashed(category: str) -> None:
    """Take back what this request flashed as done: the next page must not say so."""
    flashes = session.get("_flashes")
    if flashes:
        session["_flashes"] = [(kind, message) for kind, message in flashes if kind != category]


def prepare_pdfs_for(told: list[announcements.Announcement]) -> None:
    """Minutes that are final for now get their PDFs laid out in the background."""
    for workshop_id in dict.fromkeys(a.workshop_id for a in told if a.kind == announcements.MINUTES):
        prepare_pdfs_later(workshop_id)
