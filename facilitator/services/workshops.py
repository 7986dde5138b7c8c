"""Workshops: creating them, who may steer them, their life from draft to closed."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, time

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, inspect as sa_inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from facilitator.services import DomainError
from facilitator.infra.extensions import db
from facilitator.services.lookup_cache import attach, lookups, may_keep
from facilitator.models import (
    EVENT_SEQUENCE, Facilitator, Question, Workshop, WorkshopFacilitator, WorkshopStatus, utcnow,
)

# Read aloud and typed on a phone: no 0/O, 1/I/L, and no lower case to confuse.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 6

# Which status may follow which; reopening forgives a facilitator who closed too early.
TRANSITIONS = {
    WorkshopStatus.DRAFT: {WorkshopStatus.LIVE},
    WorkshopStatus.LIVE: {WorkshopStatus.CLOSED},
    WorkshopStatus.CLOSED: {WorkshopStatus.LIVE},
}


@dataclass
class WorkshopDetails:
    """What the facilitator fills in on the workshop form."""
    title: str
    date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    place: str = ""
    theme: str = ""
    language: str = "en"
    program: str = ""


def generate_join_code() -> str:
    """A fresh code from a cryptographic source, unique among all workshops."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is None:
            return code


def normalise_join_code(typed: str) -> str:
    """What a person typed ('abc 234', 'ABC-234') as a stored code."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


# Statements on the path of every phone's request, built once: building a statement and its
# cache key costs more than SQLite takes to run it (about 50 µs a statement).
WORKSHOP_BY_CODE = select(Workshop).where(Workshop.join_code == bindparam("code"))
NEXT_EVENT_SEQ = (Workshop.__table__.update().where(Workshop.__table__.c.id == bindparam("workshop_id"))
                  .values(event_seq=Workshop.__table__.c.event_seq + 1)
                  .returning(Workshop.__table__.c.event_seq))
NEXT_EVENT_SEQ_POSTGRESQL = select(EVENT_SEQUENCE.next_value())


def get_workshop_by_code(code: str) -> Workshop | None:
    """The workshop with this join code. Within one request (where the rate limiter, the view
    and the socket handler may each ask) the database is asked once per code; across requests
    the row comes from this process's lookup cache (services/lookup_cache.py) while it is fresh."""
    code = normalise_join_code(code)
    if not code:
        return None
    if not has_app_context():
        return db.session.scalar(WORKSHOP_BY_CODE, {"code": code})
    found = g.setdefault("workshops_by_code", {})
    workshop = found.get(code)
    if workshop is None or not sa_inspect(workshop).persistent:  # deleted meanwhile: ask again
        cache = lookups()
        values = cache.workshop(code)
        if values is not None:
            workshop = attach(db.session, Workshop, values)
        else:
            workshop = db.session.scalar(WORKSHOP_BY_CODE, {"code": code})
            if workshop is not None and may_keep(db.session):
                cache.keep_workshop(workshop)
        if workshop is not None:
            found[code] = workshop
    return workshop


def create_workshop(owner: Facilitator, details: WorkshopDetails,
                    questions: list[str] | None = None) -> Workshop:
    """A draft workshop owned by ``owner``, with its questions in order."""
    check_times(details)
    workshop = Workshop(join_code=generate_join_code(), status=WorkshopStatus.DRAFT,
                        **details.__dict__)
    workshop.members.append(WorkshopFacilitator(facilitator=owner, role="owner"))
    for position, text in enumerate(questions or [], start=1):
        workshop.questions.append(Question(text=text, position=position))
    db.session.add(workshop)
    db.session.flush()
    return workshop


def update_workshop(workshop: Workshop, details: WorkshopDetails) -> Workshop:
    check_times(details)
    for name, value in details.__dict__.items():
        setattr(workshop, name, value)
    db.session.flush()
    return workshop


def check_times(details: WorkshopDetails) -> None:
    if details.start_time and details.end_time and details.end_time <= details.start_time:
        raise DomainError(_l("The end time must be after the start time."), "end_time")


def can_steer(facilitator: Facilitator | None, workshop: Workshop) -> bool:
    """Owners and co-facilitators steer a workshop; nobody else sees it."""
    if facilitator is None or not getattr(facilitator, "is_authenticated", False):
        return False
    return any(m.facilitator_id == facilitator.id for m in workshop.members)


def is_owner(facilitator: Facilitator | None, workshop: Workshop) -> bool:
    """The owner alone invites and removes co-facilitators, decides how long the data is kept
    and deletes the workshop."""
    return facilitator is not None and any(
        m.facilitator_id == facilitator.id and m.role == "owner" for m in workshop.members)


def get_workshop_for(facilitator: Facilitator, workshop_id: int) -> Workshop | None:
    """The workshop if this facilitator may steer it, else None (as if absent)."""
    workshop = db.session.get(Workshop, workshop_id)
    return workshop if workshop and can_steer(facilitator, workshop) else None


def list_workshops_for(facilitator: Facilitator) -> list[Workshop]:
    """The facilitator's workshops, live ones first, then newest."""
    rows = db.session.scalars(
        select(Workshop).join(WorkshopFacilitator)
        .where(WorkshopFacilitator.facilitator_id == facilitator.id)
        .order_by(Workshop.date.desc(), Workshop.id.desc())).all()
    order = {WorkshopStatus.LIVE: 0, WorkshopStatus.DRAFT: 1, WorkshopStatus.CLOSED: 2}
    return sorted(rows, key=lambda w: order.get(w.status, 3))


def change_status(workshop: Workshop, target: str) -> Workshop:
    """Move a workshop along draft → live → closed (or reopen a closed one)."""
    try:
        target = WorkshopStatus(target)
    except ValueError:
        raise DomainError(_l("Unknown workshop status.")) from None
    if target not in TRANSITIONS[WorkshopStatus(workshop.status)]:
        raise DomainError(_l("The workshop cannot go from %(current)s to %(target)s.",
                             current=status_label(workshop.status), target=status_label(target)))
    if target == WorkshopStatus.LIVE:
        if not workshop.questions:
            raise DomainError(_l("Add at least one question before going live."))
        workshop.went_live_at = workshop.went_live_at or utcnow()
        workshop.closed_at = None
        if workshop.current_question_id is None:
            first = workshop.questions[0]
            first.is_open = True
            workshop.current_question_id = first.id
    else:
        workshop.closed_at = utcnow()
    workshop.status = target
    db.session.flush()
    return workshop


def status_label(status: str) -> str:
    labels = {
        WorkshopStatus.DRAFT: _l("draft"),
        WorkshopStatus.LIVE: _l("live"),
        WorkshopStatus.CLOSED: _l("closed"),
    }
    return str(labels.get(status, status))


def next_event_seq(workshop: Workshop) -> int:
    """Take the next event number for a change to this workshop.

    Numbers only ever grow, so a view can tell newer news from older. On SQLite one UPDATE …
    RETURNING of the workshop's counter does it (SQLite has one writer at a time anyway). On
    PostgreSQL that row lock, held until commit, queued every phone's send behind the others
    (several processes, a pool of connections): a sequence hands out numbers without a lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        seq = db.session.scalar(NEXT_EVENT_SEQ_POSTGRESQL)
    else:
        # A Core UPDATE: the ORM's would also look for the workshop among loaded objects.
        seq = db.session.connection().execute(NEXT_EVENT_SEQ, {"workshop_id": workshop.id}).scalar_one()
    # What the database now holds, without marking the workshop as changed.
    set_committed_value(workshop, "event_seq", seq)
    return seq


def results_public(workshop: Workshop) -> bool:
    """May anyone with the code see this workshop's results now? Decided here only: the
    results page, the phone's link to it, the photos and the projector all ask this."""
    if workshop.results_private or workshop.status == WorkshopStatus.DRAFT:
        return False
    return workshop.status == WorkshopStatus.CLOSED or bool(workshop.results_published)
