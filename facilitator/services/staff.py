"""What an administrator does to accounts: deactivate, reactivate, change a role, and hand a
workshop over when someone leaves. The command line calls the same functions (actor None)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.account_log import record_account_event
from facilitator.services.accounts import end_all_sessions
from facilitator.infra.extensions import db
from facilitator.models import AccountRole, Facilitator, Workshop, WorkshopFacilitator


def list_accounts() -> list[Facilitator]:
    """Active accounts first, then by address."""
    return list(db.session.scalars(
        select(Facilitator).order_by(Facilitator.active.desc(), Facilitator.email)))


def active_administrator_count() -> int:
    return db.session.scalar(select(func.count(Facilitator.id)).where(
        Facilitator.role == AccountRole.ADMINISTRATOR, Facilitator.active.is_(True)))


def check_not_last_administrator(account: Facilitator) -> None:
    """An installation without an active administrator could never manage accounts again."""
    if account.is_administrator and account.active and active_administrator_count() <= 1:
        raise DomainError(_l("%(email)s is the only active administrator. Make another account an "
                             "administrator first.", email=account.email))


def check_not_self(actor: Facilitator | None, account: Facilitator) -> None:
    if actor is not None and actor.id == account.id:
        raise DomainError(_l("You cannot deactivate your own account or take away your own role."))


def deactivate(actor: Facilitator | None, account: Facilitator) -> None:
    """The account can no longer log in and its open sessions end; its workshops stay, with their
    co-facilitators."""
    if not account.active:
        return
    check_not_self(actor, account)
    check_not_last_administrator(account)
    account.active = False
    end_all_sessions(account)
    record_account_event("deactivated", account, actor)


def reactivate(actor: Facilitator | None, account: Facilitator) -> None:
    """The account may log in again with its old password."""
    if account.active:
        return
    account.active = True
    db.session.flush()
    record_account_event("reactivated", account, actor)


def set_role(actor: Facilitator | None, account: Facilitator, role: str) -> None:
    """Make an account an administrator or a facilitator."""
    role = AccountRole(role)
    if account.role == role:
        return
    if role != AccountRole.ADMINISTRATOR:
        check_not_self(actor, account)
        check_not_last_administrator(account)
    account.role = role
    db.session.flush()
    record_account_event("role_changed", account, actor, detail=str(role))


def owned_workshops(account: Facilitator) -> list[Workshop]:
    return list(db.session.scalars(
        select(Workshop).join(WorkshopFacilitator).where(
            WorkshopFacilitator.facilitator_id == account.id, WorkshopFacilitator.role == "owner")
        .order_by(Workshop.created_at.desc())))


def hand_over(actor: Facilitator | None, workshop: Workshop, new_owner: Facilitator) -> None:
    """``new_owner`` owns the workshop from now on; the previous owner stays a co-facilitator."""
    if not new_owner.active:
        raise DomainError(_l("A workshop can only be handed over to an active account."), "new_owner")
    previous = next((m for m in workshop.members if m.role == "owner"), None)
    if previous is not None and previous.facilitator_id == new_owner.id:
        return
    if previous is not None:
        previous.role = "co"
    membership = next((m for m in workshop.members if m.facilitator_id == new_owner.id), None)
    if membership is None:
        membership = WorkshopFacilitator(workshop=workshop, facilitator=new_owner)
        db.session.add(membership)
    membership.role = "owner"
    db.session.flush()
    old_email = previous.facilitator.email if previous is not None else ""
    record_account_event("workshop_handed_over", new_owner, actor,
                         detail=f"{workshop.join_code} {workshop.title} ← {old_email}")
