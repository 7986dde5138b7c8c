"""Dot voting: a budget of dots per participant and question, enforced on the server."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext
from sqlalchemy import delete, func, select, update

from facilitator.services import DomainError
from facilitator.services.moderation import record
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, Question, Suggestion, SuggestionStatus, Vote, Workshop, utcnow

MAX_BUDGET = 50


def set_vote_settings(actor: Facilitator, workshop: Workshop, budget: int, max_per_item: int) -> Workshop:
    if not 1 <= budget <= MAX_BUDGET:
        raise DomainError(_l("Give each participant between 1 and %(max)d dots.", max=MAX_BUDGET), "budget")
    if not 1 <= max_per_item <= budget:
        raise DomainError(_l("The most dots on one suggestion must be between 1 and the budget."),
                          "max_per_item")
    workshop.vote_budget, workshop.vote_max_per_item = budget, max_per_item
    record(workshop, actor, "vote_settings", budget=budget, max_per_item=max_per_item)
    db.session.flush()
    return workshop


def open_voting(actor: Facilitator, question: Question) -> Question:
    question.voting_open = True
    question.voting_closed_at = None
    record(question.workshop, actor, "open_voting", question=question.id)
    next_event_seq(question.workshop)
    db.session.flush()
    return question


def close_voting(actor: Facilitator, question: Question) -> Question:
    question.voting_open = False
    question.voting_closed_at = utcnow()
    record(question.workshop, actor, "close_voting", question=question.id)
    next_event_seq(question.workshop)
    db.session.flush()
    return question


def lock_participant(participant: Participant) -> None:
    """Take the participant's row lock first: two phones of one person then vote one after the
    other (PostgreSQL row lock; SQLite's write lock), so the budget check cannot race."""
    db.session.execute(update(Participant).where(Participant.id == participant.id)
                       .values(lock_version=Participant.lock_version + 1)
                       .execution_options(synchronize_session=False))


def set_dots(participant: Participant, suggestion: Suggestion, dots: int) -> int:
    """Put ``dots`` dots on a suggestion (0 takes them back); returns the dots left to spend."""
    lock_participant(participant)
    question = suggestion.question
    workshop = question.workshop
    if question.workshop_id != participant.workshop_id:
        raise DomainError(_l("That suggestion belongs to another workshop."))
    if not question.voting_open:
        raise DomainError(_l("Voting is not open for this question."))
    if suggestion.status != SuggestionStatus.VISIBLE:
        raise DomainError(_l("This suggestion cannot be voted on."))
    if not 0 <= dots <= workshop.vote_max_per_item:
        raise DomainError(ngettext("You can put at most %(num)d dot on one suggestion.",
                                   "You can put at most %(num)d dots on one suggestion.",
                                   workshop.vote_max_per_item))
    others = spent(participant, question, excluding=suggestion.id)
    if others + dots > workshop.vote_budget:
        raise DomainError(ngettext("You have %(num)d dot left. Take a dot back from another suggestion first.",
                                   "You have %(num)d dots left. Take a dot back from another suggestion first.",
                                   max(workshop.vote_budget - others, 0)))
    db.session.execute(delete(Vote).where(Vote.suggestion_id == suggestion.id,
                                          Vote.participant_id == participant.id))
    if dots:
        db.session.add(Vote(suggestion_id=suggestion.id, participant_id=participant.id, dots=dots))
    next_event_seq(workshop)
    db.session.flush()
    return workshop.vote_budget - others - dots


def spent(participant: Participant, question: Question, excluding: int | None = None) -> int:
    query = (select(func.coalesce(func.sum(Vote.dots), 0)).join(Suggestion)
             .where(Vote.participant_id == participant.id, Suggestion.question_id == question.id))
    if excluding is not None:
        query = query.where(Vote.suggestion_id != excluding)
    return int(db.session.scalar(query) or 0)


def own_votes(participant: Participant, question: Question) -> dict[int, int]:
    rows = db.session.execute(select(Vote.suggestion_id, Vote.dots).join(Suggestion)
                              .where(Vote.participant_id == participant.id,
                                     Suggestion.question_id == question.id))
    return dict(rows.all())


def tally(question: Question) -> dict[int, int]:
    """Dots per visible suggestion; a merged duplicate's dots count for the one it joined."""
    rows = db.session.execute(
        select(Suggestion.id, Suggestion.merged_into_id, func.coalesce(func.sum(Vote.dots), 0))
        .outerjoin(Vote).where(Suggestion.question_id == question.id)
        .group_by(Suggestion.id, Suggestion.merged_into_id)).all()
    totals: dict[int, int] = {}
    for suggestion_id, merged_into, dots in rows:
        key = merged_into or suggestion_id
        totals[key] = totals.get(key, 0) + int(dots)
    return totals


def ranking(question: Question) -> list[tuple[Suggestion, int]]:
    """Visible suggestions, most dots first (ties: earliest first)."""
    totals = tally(question)
    visible = db.session.scalars(select(Suggestion).where(
        Suggestion.question_id == question.id, Suggestion.status == SuggestionStatus.VISIBLE)).all()
    return sorted(((s, totals.get(s.id, 0)) for s in visible), key=lambda pair: (-pair[1], pair[0].id))


def voters(question: Question) -> int:
    return int(db.session.scalar(select(func.count(func.distinct(Vote.participant_id))).join(Suggestion)
                                 .where(Suggestion.question_id == question.id)) or 0)
