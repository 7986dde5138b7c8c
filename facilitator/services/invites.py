"""Co-facilitators: the owner invites others by e-mail address or by link."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.accounts import normalise_email
from facilitator.services.moderation import record
from facilitator.services.workshops import is_owner
from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Workshop, WorkshopFacilitator, WorkshopInvite, utcnow

# A link that works forever is a key left under the mat: after this long, the owner sends a new one.
INVITE_VALID_DAYS = 14


def still_valid():
    """The condition of an invitation that can still be accepted: unused and not expired."""
    return (WorkshopInvite.accepted_at.is_(None)
            & (WorkshopInvite.created_at > utcnow() - timedelta(days=INVITE_VALID_DAYS)))


def check_owner(actor: Facilitator, workshop: Workshop) -> None:
    if not is_owner(actor, workshop):
        raise DomainError(_l("Only the workshop's owner can invite or remove co-facilitators."))


def add_member(workshop: Workshop, facilitator: Facilitator, role: str = "co") -> WorkshopFacilitator:
    existing = next((m for m in workshop.members if m.facilitator_id == facilitator.id), None)
    if existing:
        return existing
    membership = WorkshopFacilitator(workshop=workshop, facilitator=facilitator, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def invite_by_email(actor: Facilitator, workshop: Workshop, email: str) -> WorkshopFacilitator | WorkshopInvite:
    """An existing account joins at once; for a new address an invitation link is made."""
    check_owner(actor, workshop)
    email = normalise_email(email)
    if "@" not in email:
        raise DomainError(_l("That does not look like an e-mail address."), "email")
    person = db.session.scalar(select(Facilitator).where(Facilitator.email == email))
    if person is not None:
        membership = add_member(workshop, person)
        record(workshop, actor, "add_cofacilitator", facilitator=person.id)
        return membership
    return create_invite(actor, workshop, email)


def create_invite(actor: Facilitator, workshop: Workshop, email: str | None = None) -> WorkshopInvite:
    check_owner(actor, workshop)
    invite = WorkshopInvite(workshop_id=workshop.id, email=email, created_by_id=actor.id)
    db.session.add(invite)
    db.session.flush()
    record(workshop, actor, "invite", email=email or "")
    return invite


def get_open_invite(token: str) -> WorkshopInvite | None:
    return db.session.scalar(select(WorkshopInvite).where(WorkshopInvite.token == token, still_valid()))


def accept_invite(invite: WorkshopInvite, facilitator: Facilitator) -> Workshop:
    """The invited facilitator joins the workshop; a link made for one address only works for it."""
    if invite.email and normalise_email(facilitator.email) != invite.email:
        raise DomainError(_l("This invitation was made for another e-mail address."))
    add_member(invite.workshop, facilitator)
    invite.accepted_by_id, invite.accepted_at = facilitator.id, utcnow()
    record(invite.workshop, facilitator, "accept_invite", invite=invite.id)
    db.session.flush()
    return invite.workshop


def remove_member(actor: Facilitator, workshop: Workshop, facilitator_id: int) -> None:
    check_owner(actor, workshop)
    membership = next((m for m in workshop.members if m.facilitator_id == facilitator_id), None)
    if membership is None or membership.role == "owner":
        raise DomainError(_l("The owner cannot be removed."))
    workshop.members.remove(membership)
    record(workshop, actor, "remove_cofacilitator", facilitator=facilitator_id)
    db.session.flush()


def pending_invites(workshop: Workshop) -> list[WorkshopInvite]:
    return list(db.session.scalars(select(WorkshopInvite).where(
        WorkshopInvite.workshop_id == workshop.id, still_valid())))
