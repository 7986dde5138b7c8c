"""Joining a workshop from a phone, without an account."""
from __future__ import annotations

import hmac

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from facilitator.services import DomainError
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.services.lookup_cache import attach, lookups, may_keep
from facilitator.models import Participant, Workshop, WorkshopStatus

DISPLAY_NAME_MAX_LENGTH = 40


def check_can_join(workshop: Workshop) -> None:
    if workshop.status == WorkshopStatus.DRAFT:
        raise DomainError(_l("This workshop has not started yet. Try again when the facilitator says so."))
    if workshop.status == WorkshopStatus.CLOSED:
        raise DomainError(_l("This workshop has ended. Thank you for taking part!"))
    if not workshop.joining_open:
        raise DomainError(_l("Joining is closed for this workshop. Ask the facilitator."))


def join_workshop(workshop: Workshop, display_name: str = "", locale: str | None = None,
                  passcode: str | None = None) -> Participant:
    """A new anonymous participant; the name is optional and shown to nobody but the room."""
    check_can_join(workshop)
    check_passcode(workshop, passcode)
    name = clean_text(display_name, max_length=DISPLAY_NAME_MAX_LENGTH,
                      required=False, field="display_name")
    participant = Participant(workshop=workshop, display_name=name, locale=locale)
    db.session.add(participant)
    db.session.flush()
    return participant


def normalise_passcode(passcode: str | None) -> str:
    return " ".join((passcode or "").split()).casefold()


def set_joining(workshop: Workshop, is_open: bool, passcode: str | None) -> Workshop:
    """Open or close joining, and set (or clear, with an empty value) the optional passcode."""
    code = normalise_passcode(passcode)
    if len(code) > 64:
        raise DomainError(_l("Please use at most %(max)d characters for the passcode.", max=64), "passcode")
    workshop.joining_open = is_open
    workshop.passcode = code or None
    db.session.flush()
    return workshop


def check_passcode(workshop: Workshop, passcode: str | None) -> None:
    if workshop.passcode and not hmac.compare_digest(
            normalise_passcode(passcode).encode(), workshop.passcode.encode()):
        raise DomainError(_l("That passcode is not right. Ask the facilitator for it."), "passcode")


# Every request of a phone, and every socket it opens, asks this: built once (see WORKSHOP_BY_CODE).
PARTICIPANT_BY_TOKEN = select(Participant).where(Participant.token == bindparam("token"),
                                                 Participant.workshop_id == bindparam("workshop_id"))


def get_participant(workshop: Workshop, token: str | None) -> Participant | None:
    """The participant this phone's cookie names, if it belongs to this workshop. The row comes
    from this process's lookup cache while it is fresh (services/lookup_cache.py)."""
    if not token:
        return None
    cache = lookups()
    values = cache.participant(token)
    if values is not None:
        return attach(db.session, Participant, values) if values["workshop_id"] == workshop.id else None
    participant = db.session.scalar(PARTICIPANT_BY_TOKEN, {"token": token, "workshop_id": workshop.id})
    if participant is not None and may_keep(db.session):
        cache.keep_participant(participant)
    return participant


def count_participants(workshop: Workshop) -> int:
    return db.session.scalar(
        select(func.count(Participant.id)).where(Participant.workshop_id == workshop.id)) or 0
