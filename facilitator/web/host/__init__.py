"""The facilitator's side: workshops, their questions, and steering them live.

One blueprint, its routes split by concern into the modules of this package.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_babel import gettext as _
from flask_login import current_user, login_required

from facilitator.infra.extensions import db
from facilitator.models import Question, Workshop
from facilitator.services import DomainError
from facilitator.services.workshops import get_workshop_for

bp = Blueprint("host", __name__, url_prefix="/host")


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in facilitator."""


def load_workshop(workshop_id: int) -> Workshop:
    """The workshop if the current facilitator steers it; otherwise 404, as if it did not exist."""
    workshop = get_workshop_for(current_user, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def load_question(workshop: Workshop, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.workshop_id != workshop.id:
        abort(404)
    return question


def field_errors(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("Please check the form.")


# The route modules attach their views to ``bp``; imported last, as they import it.
from facilitator.web.host import cafe, cards, minutes, moderation, photos, questions, synthesis, team, workshops  # noqa: E402,F401
