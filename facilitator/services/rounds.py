"""Timed rounds of a café dialogue; the server's end time is the one every screen counts to."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.moderation import record
from facilitator.services.questions import show_question
from facilitator.services.tables import rotation_plan
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, Question, Round, Workshop, utcnow

MAX_ROUND_SECONDS = 4 * 60 * 60
FIRST_ROUND_MINUTES = 15


def current_round(workshop: Workshop) -> Round | None:
    """The latest round that has started, running or not."""
    return db.session.scalar(select(Round).where(Round.workshop_id == workshop.id,
                                                 Round.started_at.is_not(None))
                             .order_by(Round.number.desc()).limit(1))


def is_running(round_: Round | None, now: datetime | None = None) -> bool:
    return bool(round_ and round_.ends_at and round_.ended_at is None
                and (now or utcnow()) < round_.ends_at)


def seconds_left(round_: Round | None, now: datetime | None = None) -> int:
    if not is_running(round_, now):
        return 0
    return max(0, int((round_.ends_at - (now or utcnow())).total_seconds()))


def next_round_minutes(workshop: Workshop) -> float:
    """The length the next round is offered with: the last round's, so a café keeps its pace."""
    previous = current_round(workshop)
    return previous.duration_seconds / 60 if previous and previous.duration_seconds else FIRST_ROUND_MINUTES


def start_round(actor: Facilitator, workshop: Workshop, minutes: float,
                question: Question | None = None, now: datetime | None = None) -> Round:
    """Start the next round. From round 2 on, everyone but the hosts moves as planned. A round on
    another question closes the one before for sending (the facilitator may reopen it)."""
    seconds = int(round(minutes * 60))
    if not 10 <= seconds <= MAX_ROUND_SECONDS:
        raise DomainError(_l("A round lasts from 10 seconds to 4 hours."), "minutes")
    now = now or utcnow()
    previous = current_round(workshop)
    if previous is not None:
        finish(previous, now)
        move_participants(workshop)
    round_ = Round(workshop_id=workshop.id, number=(previous.number + 1) if previous else 1,
                   duration_seconds=seconds, started_at=now, ends_at=now + timedelta(seconds=seconds),
                   question_id=question.id if question else None)
    db.session.add(round_)
    if question is not None:
        close_earlier_questions(workshop, previous, question)
        show_question(workshop, question)
    if workshop.table_mode == "rotate":
        for table in workshop.tables:
            if table.question is not None:
                table.question.is_open = True
    record(workshop, actor, "start_round", number=round_.number, seconds=seconds,
           question=round_.question_id)
    next_event_seq(workshop)
    db.session.flush()
    return round_


def close_earlier_questions(workshop: Workshop, previous: Round | None, question: Question) -> None:
    """Phones answer the round's question only: the one on the projector and the last round's
    are closed when the room moves on to another."""
    earlier = {workshop.current_question_id, previous.question_id if previous else None} - {None, question.id}
    for other in workshop.questions:
        if other.id in earlier:
            other.is_open = False


def end_round(actor: Facilitator, workshop: Workshop, now: datetime | None = None) -> Round:
    """End the running round now (the timer may also simply run out)."""
    round_ = current_round(workshop)
    if not is_running(round_, now):
        raise DomainError(_l("No round is running."))
    finish(round_, now or utcnow())
    record(workshop, actor, "end_round", number=round_.number)
    next_event_seq(workshop)
    db.session.flush()
    return round_


def finish(round_: Round, now: datetime) -> None:
    if round_.ended_at is None:
        round_.ended_at = min(now, round_.ends_at) if round_.ends_at else now


def move_participants(workshop: Workshop) -> None:
    plan = rotation_plan(workshop)
    for participant in db.session.scalars(select(Participant).where(Participant.id.in_(plan))):
        participant.table_id = plan[participant.id].id


def set_table_mode(actor: Facilitator, workshop: Workshop, mode: str) -> Workshop:
    if mode not in ("same", "rotate"):
        raise DomainError(_l("Unknown table mode."))
    workshop.table_mode = mode
    record(workshop, actor, "table_mode", mode=mode)
    db.session.flush()
    return workshop
