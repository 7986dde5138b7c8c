"""The projector: a full-screen page for the room, in the workshop's language."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from markupsafe import Markup
from flask_login import current_user, login_required

from .models import Workshop
from .services.suggestions import list_visible
from .services.workshops import can_steer, get_workshop_by_code
from .urls import display_join_url, join_url, qr_svg

bp = Blueprint("projector", __name__, url_prefix="/projector")


def load_workshop(code: str) -> Workshop:
    workshop = get_workshop_by_code(code)
    if workshop is None or not can_steer(current_user, workshop):
        abort(404)
    g.locale = workshop.language
    return workshop


@bp.get("/<code>")
@login_required
def show(code: str):
    """The projector page: join code and QR, the current question, suggestions as they arrive."""
    workshop = load_workshop(code)
    url = join_url(workshop)
    return render_template("projector/show.html", workshop=workshop, join_url=url,
                           join_url_display=display_join_url(url), qr_svg=qr_svg(url),
                           stage=render_stage(workshop))


@bp.get("/<code>/stage")
@login_required
def stage(code: str):
    """The stage alone: what a projector refetches after a reconnect."""
    return render_stage(load_workshop(code))


def render_stage(workshop: Workshop) -> Markup:
    question = workshop.current_question
    suggestions = list_visible(question) if question and not workshop.results_hidden else []
    # render_template escapes every value; the result is safe HTML.
    return Markup(render_template(  # noqa: S704
        "projector/_stage.html", workshop=workshop, question=question,
                           suggestions=suggestions))
