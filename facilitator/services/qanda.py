"""Questions to the panel: participants ask (a suggestion to a Q&A question), others upvote,
the facilitator pins the one being answered and marks it answered.

An upvote is a one-dot vote that needs no voting round and no budget: one per participant per
item, withdrawable. Setting it is idempotent (up or not up), so a retried tap changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from facilitator.services import DomainError
from facilitator.services.moderation import record, touch
from facilitator.services.voting import lock_participant
from facilitator.infra.extensions import db
from facilitator.models import (
    Facilitator, Participant, Question, QuestionKind, Suggestion, SuggestionStatus, Vote, WorkshopStatus, utcnow,
)


@dataclass
class PanelQuestion:
    suggestion_id: int
    text: str
    upvotes: int
    pinned: bool
    answered: bool


def check_qanda(suggestion: Suggestion) -> None:
    if suggestion.question.kind != QuestionKind.QANDA:
        raise DomainError(_l("This is not a question to the panel."))


def set_upvote(participant: Participant, suggestion: Suggestion, up: bool) -> bool:
    """Upvote a question to the panel, or withdraw the upvote; returns whether it changed."""
    lock_participant(participant)
    check_qanda(suggestion)
    if suggestion.workshop_id != participant.workshop_id:
        raise DomainError(_l("That suggestion belongs to another workshop."))
    if participant.workshop.status != WorkshopStatus.LIVE:
        raise DomainError(_l("This workshop is not taking answers right now."))
    if suggestion.status != SuggestionStatus.VISIBLE:
        raise DomainError(_l("This question cannot be upvoted."))
    has = db.session.scalar(select(Vote.id).where(Vote.suggestion_id == suggestion.id,
                                                  Vote.participant_id == participant.id)) is not None
    if has == up:
        return False
    if up:
        db.session.add(Vote(suggestion_id=suggestion.id, participant_id=participant.id, dots=1))
    else:
        db.session.execute(delete(Vote).where(Vote.suggestion_id == suggestion.id,
                                              Vote.participant_id == participant.id))
    touch(suggestion)
    return True


def set_answered(actor: Facilitator, suggestion: Suggestion, answered: bool) -> Suggestion:
    """Mark a question to the panel answered (or not yet); answering it also unpins it."""
    check_qanda(suggestion)
    suggestion.answered_at = utcnow() if answered else None
    if answered:
        suggestion.pinned = False
    record(suggestion.question.workshop, actor, "answered" if answered else "unanswered", suggestion)
    return touch(suggestion)


def pin_for_panel(actor: Facilitator, suggestion: Suggestion) -> Suggestion:
    """Pin the question being answered now; the one pinned before steps down (one at a time)."""
    check_qanda(suggestion)
    for other in db.session.scalars(select(Suggestion).where(
            Suggestion.question_id == suggestion.question_id, Suggestion.pinned.is_(True),
            Suggestion.id != suggestion.id)):
        other.pinned = False
        touch(other)
    suggestion.pinned = True
    record(suggestion.question.workshop, actor, "pin", suggestion)
    return touch(suggestion)


def list_panel_questions(question: Question) -> list[PanelQuestion]:
    """The shown questions to the panel: the pinned one first, then open ones by upvotes (ties:
    the earliest first), the answered ones last."""
    # Dots, not rows: an imported workshop keeps its upvotes as one stand-in's dots.
    upvotes = func.coalesce(func.sum(Vote.dots), 0)
    rows = db.session.execute(
        select(Suggestion.id, Suggestion.text, upvotes, Suggestion.pinned, Suggestion.answered_at)
        .outerjoin(Vote).where(Suggestion.question_id == question.id, Suggestion.status == SuggestionStatus.VISIBLE)
        .group_by(Suggestion.id, Suggestion.text, Suggestion.pinned, Suggestion.answered_at)).all()
    items = [PanelQuestion(sid, text, int(votes), pinned, answered_at is not None)
             for sid, text, votes, pinned, answered_at in rows]
    return sorted(items, key=lambda item: (not item.pinned, item.answered, -item.upvotes, item.suggestion_id))


def upvote_counts(suggestion_ids) -> dict[int, int]:
    """The current upvotes of these questions to the panel (dots, as ``list_panel_questions``)."""
    ids = sorted(set(suggestion_ids))
    counts = dict.fromkeys(ids, 0)
    if ids:
        counts.update(db.session.execute(
            select(Vote.suggestion_id, func.sum(Vote.dots)).where(Vote.suggestion_id.in_(ids))
            .group_by(Vote.suggestion_id)).all())
    return {suggestion_id: int(votes) for suggestion_id, votes in counts.items()}


def own_upvotes(participant: Participant, question: Question) -> set[int]:
    return set(db.session.scalars(select(Vote.suggestion_id).join(Suggestion).where(
        Vote.participant_id == participant.id, Suggestion.question_id == question.id)))
