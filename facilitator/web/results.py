"""The results for participants: what the room produced, at the join link, once it may be shown.

Public means readable by anyone with the code, so it shows only what was visible in
the room (never hidden or unapproved suggestions, whatever the minutes' options) and
it follows the facilitator's choice:

* a draft never shows results;
* a closed workshop shows them, unless the facilitator keeps them private
  (``results_private``);
* a live workshop shows them only once the facilitator publishes them
  (``results_published``), again unless kept private. The join link itself keeps
  showing the live page while the workshop is live; the results are one tap away.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, render_template, session, url_for

from facilitator.exporters import file_stem
from facilitator.exporters.kinds_outline import kind_blocks
from facilitator.exporters.outline import action_status
from facilitator.infra.extensions import db, socketio
from facilitator.infra.i18n import browser_locale
from facilitator.models import Workshop
from facilitator.services.minutes import Minutes, compile_minutes
from facilitator.services.workshops import get_workshop_by_code, results_public

bp = Blueprint("results", __name__)


def public_minutes(workshop: Workshop) -> Minutes:
    """The minutes as the organiser chose them, minus anything moderated away."""
    compiled = compile_minutes(workshop)
    return replace(compiled, options=replace(compiled.options, hidden=False))


def results_response(workshop: Workshop):
    """The results page; ``participant.workshop`` returns this instead of the waiting page."""
    minutes = public_minutes(workshop)
    response = Response(render_template("results/page.html", workshop=workshop, minutes=minutes,
                                        action_status=action_status, kind_blocks=kind_blocks))
    # Public but changing (the organiser may still edit or withdraw): always revalidate.
    response.headers["Cache-Control"] = "no-cache"
    return response


def load_public(code: str, endpoint: str) -> Workshop:
    workshop = get_workshop_by_code(code)
    if workshop is None or not results_public(workshop):
        abort(404)
    if code != workshop.join_code:
        abort(redirect(url_for(endpoint, code=workshop.join_code), 301))
    g.locale = session.get("locale") or browser_locale() or workshop.language
    return workshop


def prepare_pdfs_later(workshop_id: int) -> None:
    """Lay out the minutes' PDFs in the background once they are likely to be asked for (the
    workshop closed, the minutes were saved): the organiser's, and the participants' when the
    results are public. WeasyPrint takes seconds for a big workshop; the download that follows
    then comes from the cache at once (``exporters.pdf``). Off in tests (``PREPARE_PDFS``)."""
    if current_app.config["PREPARE_PDFS"]:
        socketio.start_background_task(prepare_pdfs, current_app._get_current_object(), workshop_id)


def prepare_pdfs(app: Flask, workshop_id: int) -> None:
    from facilitator.exporters.pdf import render_pdf
    with app.test_request_context("/"):
        try:
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is None:
                return
            render_pdf(compile_minutes(workshop))
            if results_public(workshop):
                render_pdf(public_minutes(workshop))
        except Exception:  # a cache left cold only means a slower download
            app.logger.exception("preparing the PDFs of workshop %s failed", workshop_id)
        finally:
            db.session.remove()


@bp.get("/j/<code>/results")
def page(code: str):
    """The results page at its own address, for a link shared while the workshop is still live."""
    return results_response(load_public(code, "results.page"))


@bp.get("/j/<code>/results.pdf")
def pdf(code: str):
    """The results as the minutes' PDF; 404 unless the results are public."""
    from facilitator.exporters.pdf import render_pdf
    from facilitator.web.export import attachment
    minutes = public_minutes(load_public(code, "results.pdf"))
    response = Response(render_pdf(minutes), content_type="application/pdf")
    response.headers["Content-Disposition"] = attachment(f"{file_stem(minutes)}.pdf")
    response.headers["Cache-Control"] = "no-cache"
    return response
