"""The audit log of account changes: who did what to which account, and when."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.infra.extensions import db
from facilitator.models import AccountEvent, Facilitator

# What each action is called on the administrator's page.
ACTION_LABELS = {
    "created": _l("Account created"),
    "invited": _l("Invited by e-mail"),
    "invitation_withdrawn": _l("Invitation withdrawn"),
    "signed_up": _l("Signed up"),
    "deactivated": _l("Deactivated"),
    "reactivated": _l("Reactivated"),
    "role_changed": _l("Role changed"),
    "name_changed": _l("Name changed"),
    "password_changed": _l("Password changed"),
    "password_reset_sent": _l("Password reset link sent"),
    "password_reset": _l("Password reset by link"),
    "workshop_handed_over": _l("Workshop handed over"),
}


def record_account_event(action: str, subject: Facilitator | None, actor: Facilitator | None,
                         detail: str = "", subject_email: str = "") -> AccountEvent:
    """One line of the log. ``actor`` None: the command line, or the person before logging in."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown account action {action!r}")
    event = AccountEvent(action=action, actor_id=actor.id if actor else None,
                         actor_email=actor.email if actor else "",
                         subject_id=subject.id if subject else None,
                         subject_email=subject.email if subject else subject_email,
                         detail=detail[:300])
    db.session.add(event)
    db.session.flush()
    return event


def recent_account_events(limit: int = 50) -> list[AccountEvent]:
    return list(db.session.scalars(
        select(AccountEvent).order_by(AccountEvent.at.desc(), AccountEvent.id.desc()).limit(limit)))
