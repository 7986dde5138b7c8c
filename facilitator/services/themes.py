"""Themes and actions: grouping the suggestions, and what the workshop leads to."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.moderation import record, touch
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.models import Action, Facilitator, Question, Suggestion, Theme, Workshop

ACTION_STATUSES = ("open", "doing", "done")


def create_theme(actor: Facilitator, workshop: Workshop, name: str,
                 question: Question | None = None) -> Theme:
    name = clean_text(name, max_length=200, field="name")
    if question is not None and question.workshop_id != workshop.id:
        raise DomainError(_l("That question belongs to another workshop."))
    last = db.session.scalar(select(func.max(Theme.position)).where(Theme.workshop_id == workshop.id))
    theme = Theme(workshop_id=workshop.id, question_id=question.id if question else None, name=name,
                  position=(last or 0) + 1)
    db.session.add(theme)
    db.session.flush()
    record(workshop, actor, "create_theme", theme=theme.id, name=name)
    return theme


def rename_theme(actor: Facilitator, theme: Theme, name: str) -> Theme:
    theme.name = clean_text(name, max_length=200, field="name")
    record(db.session.get(Workshop, theme.workshop_id), actor, "rename_theme", theme=theme.id, name=theme.name)
    db.session.flush()
    return theme


def delete_theme(actor: Facilitator, theme: Theme) -> None:
    """Remove a theme; its suggestions simply become ungrouped again."""
    for suggestion in db.session.scalars(select(Suggestion).where(Suggestion.theme_id == theme.id)):
        suggestion.theme_id = None
        touch(suggestion)
    record(db.session.get(Workshop, theme.workshop_id), actor, "delete_theme", theme=theme.id, name=theme.name)
    db.session.delete(theme)
    db.session.flush()


def assign_theme(actor: Facilitator, suggestion: Suggestion, theme: Theme | None) -> Suggestion:
    """Put a suggestion in a theme (or take it out); allowed at any time, also after voting."""
    if theme is not None:
        if theme.workshop_id != suggestion.workshop_id:
            raise DomainError(_l("That theme belongs to another workshop."))
        if theme.question_id not in (None, suggestion.question_id):
            raise DomainError(_l("That theme belongs to another question."))
    if suggestion.theme_id == (theme.id if theme else None):
        return suggestion
    suggestion.theme_id = theme.id if theme else None
    record(suggestion.question.workshop, actor, "theme", suggestion, theme=suggestion.theme_id)
    return touch(suggestion)


def themes_for(workshop: Workshop, question: Question) -> list[Theme]:
    return [t for t in workshop.themes if t.question_id in (None, question.id)]


def create_action(actor: Facilitator, workshop: Workshop, what: str, owner: str = "",
                  due_date: date | None = None, suggestion: Suggestion | None = None,
                  theme: Theme | None = None) -> Action:
    """Turn a suggestion or theme (or a free text) into a follow-up with an owner and a date."""
    for item in (suggestion, theme):
        if item is not None and item.workshop_id != workshop.id:
            raise DomainError(_l("That belongs to another workshop."))
    action = Action(workshop_id=workshop.id, what=clean_text(what, max_length=1000, field="what"),
                    owner=clean_text(owner, max_length=200, required=False, field="owner"),
                    due_date=due_date, suggestion_id=suggestion.id if suggestion else None,
                    theme_id=theme.id if theme else None, status="open")
    db.session.add(action)
    db.session.flush()
    record(workshop, actor, "create_action", suggestion, action_id=action.id, what=action.what)
    return action


def update_action(actor: Facilitator, action: Action, what: str, owner: str, due_date: date | None,
                  status: str) -> Action:
    if status not in ACTION_STATUSES:
        raise DomainError(_l("Unknown status."), "status")
    action.what = clean_text(what, max_length=1000, field="what")
    action.owner = clean_text(owner, max_length=200, required=False, field="owner")
    action.due_date, action.status = due_date, status
    record(db.session.get(Workshop, action.workshop_id), actor, "update_action", action_id=action.id,
           status=status)
    db.session.flush()
    return action


def delete_action(actor: Facilitator, action: Action) -> None:
    record(db.session.get(Workshop, action.workshop_id), actor, "delete_action", action_id=action.id,
           what=action.what)
    db.session.delete(action)
    db.session.flush()
