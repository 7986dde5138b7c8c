"""Deleting a workshop's data completely, on request or when its retention period ends."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.workshops import is_owner
from facilitator.infra.extensions import db
from facilitator.models import (
    DeletionRecord, Facilitator, Participant, Suggestion, Workshop, WorkshopStatus, utcnow,
)

MAX_RETENTION_DAYS = 3650


def set_retention(workshop: Workshop, days: int | None, archived: bool,
                  actor: Facilitator | None = None) -> Workshop:
    """How long the data is kept after closing (None: until deleted), or archived to keep it.
    Only the owner decides: a short period deletes the workshop as surely as deleting it."""
    if actor is not None and not is_owner(actor, workshop):
        raise DomainError(_l("Only the workshop's owner can decide how long its data is kept."))
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise DomainError(_l("Keep the data between 1 and %(max)d days, or leave the field empty to keep it.",
                             max=MAX_RETENTION_DAYS), "retention_days")
    workshop.retention_days, workshop.archived = days, archived
    db.session.flush()
    return workshop


def delete_workshop(workshop: Workshop, actor: Facilitator | None, reason: str = "request") -> DeletionRecord:
    """Remove the workshop with everything in it; keep only a record that it was deleted."""
    if actor is not None and not is_owner(actor, workshop):
        raise DomainError(_l("Only the workshop's owner can delete it."))
    record = DeletionRecord(
        workshop_title=workshop.title, join_code=workshop.join_code, reason=reason,
        deleted_by_id=actor.id if actor else None,
        participants=db.session.scalar(select(func.count(Participant.id))
                                       .where(Participant.workshop_id == workshop.id)) or 0,
        suggestions=db.session.scalar(select(func.count(Suggestion.id))
                                      .where(Suggestion.workshop_id == workshop.id)) or 0)
    db.session.add(record)
    db.session.delete(workshop)
    db.session.flush()
    return record


def expired(now: datetime | None = None) -> list[Workshop]:
    """Closed, not archived workshops whose retention period has run out."""
    now = now or utcnow()
    candidates = db.session.scalars(select(Workshop).where(
        Workshop.status == WorkshopStatus.CLOSED, Workshop.archived.is_(False),
        Workshop.retention_days.is_not(None), Workshop.closed_at.is_not(None)))
    return [w for w in candidates if w.closed_at + timedelta(days=w.retention_days) <= now]


def purge_expired(now: datetime | None = None) -> list[DeletionRecord]:
    return [delete_workshop(workshop, None, "retention") for workshop in expired(now)]
