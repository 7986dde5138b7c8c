"""Help with many suggestions on the moderation board: dismiss a possible duplicate, accept a
proposed theme. Merging a duplicate is the board's ordinary merge; the proposals themselves are
drawn with the board (host.moderation.board_context)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from facilitator.web.host import bp, load_question, load_workshop
from facilitator.web.host.moderation import finish, load_suggestion
from facilitator.infra.extensions import db
from facilitator.models import Suggestion, Theme
from facilitator.services import DomainError
from facilitator.services.synthesis.live import dismiss_duplicate
from facilitator.services.synthesis.proposals import accept_proposal


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/not-duplicate")
def duplicate_dismiss(workshop_id: int, suggestion_id: int):
    """Not a duplicate of the ``target`` suggestion: the pair is no longer proposed, on any console."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    target = request.form.get("target", "")
    other = db.session.get(Suggestion, int(target)) if target.isdigit() and len(target) < 10 else None
    if other is None or other.workshop_id != workshop.id:
        return finish(workshop, suggestion.question, DomainError(_("Choose two suggestions of the same workshop.")))
    try:
        dismiss_duplicate(current_user, suggestion, other)
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    return finish(workshop, suggestion.question, None, consoles_only=True)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/themes/accept")
def theme_accept(workshop_id: int, question_id: int):
    """A proposed group becomes a theme with the name the facilitator gave it (or joins a theme)."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    ids = [int(value) for value in request.form.getlist("suggestion") if value.isdigit() and len(value) < 10]
    theme_id = request.form.get("theme", "")
    theme = db.session.get(Theme, int(theme_id)) if theme_id.isdigit() and len(theme_id) < 10 else None
    if theme_id and theme is None:
        return finish(workshop, question, DomainError(_("That theme no longer exists.")))
    try:
        _theme, moved = accept_proposal(current_user, workshop, question, request.form.get("name", ""), ids, theme)
    except DomainError as error:
        return finish(workshop, question, error)
    return finish(workshop, question, None, changed=tuple(moved))
