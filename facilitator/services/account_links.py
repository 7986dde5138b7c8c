"""Single-use links sent by e-mail: a password reset, an administrator's invitation, a sign-up.

The link carries a random token; the database keeps only its SHA-256, so a copy of the
database (a backup) opens no account. A link works once and only until it expires; a new
reset link voids the older ones of the same account.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from facilitator.services import DomainError
from facilitator.services.account_log import record_account_event
from facilitator.services.accounts import create_facilitator, get_facilitator_by_email, normalise_email, set_password
from facilitator.infra.extensions import db
from facilitator.models import AccountRole, AccountToken, Facilitator, utcnow

RESET_VALID = timedelta(hours=1)
WELCOME_VALID = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, email: str, valid: timedelta, **fields) -> str:
    """A new link's token (returned once, never stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(purpose=purpose, email=email, token_hash=token_hash(token),
                                expires_at=utcnow() + valid, **fields))
    db.session.flush()
    return token


def void_open_links(purpose: str, email: str) -> None:
    db.session.execute(update(AccountToken).where(
        AccountToken.purpose == purpose, AccountToken.email == email, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()))


def find_link(token: str, *purposes: str) -> AccountToken | None:
    """The unused, unexpired link with this token, else None."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == token_hash(token)))
    if link is None or link.purpose not in purposes or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def request_reset(email: str) -> tuple[Facilitator, str] | None:
    """A reset token for an active account with this address; None otherwise (the page says
    the same either way)."""
    account = get_facilitator_by_email(email)
    if account is None or not account.active:
        return None
    void_open_links("reset", account.email)
    token = issue("reset", account.email, RESET_VALID, facilitator_id=account.id)
    record_account_event("password_reset_sent", account, None)
    return account, token


def redeem_reset(link: AccountToken, password: str) -> Facilitator:
    """The new password is set (refused if weak), the link is used up and every session ends."""
    account = db.session.get(Facilitator, link.facilitator_id)
    if account is None or not account.active:
        raise DomainError(_l("This link has been used or has expired. Ask for a new one."))
    set_password(account, password)
    link.used_at = utcnow()
    record_account_event("password_reset", account, None)
    return account


def invite_account(actor: Facilitator, email: str, role: str = AccountRole.FACILITATOR) -> str:
    """An invitation to make an account with this address (the link's token)."""
    email = normalise_email(email)
    if get_facilitator_by_email(email) is not None:
        raise DomainError(_l("There is already an account with that e-mail address."), "email")
    void_open_links("invite", email)
    token = issue("invite", email, WELCOME_VALID, role=AccountRole(role), created_by_id=actor.id)
    record_account_event("invited", None, actor, detail=str(role), subject_email=email)
    return token


def signup_domain_allowed(email: str, domains: list[str]) -> bool:
    return normalise_email(email).rpartition("@")[2] in domains


def request_signup(email: str, domains: list[str]) -> tuple[str, str] | None:
    """("signup" or "reset", token) for an address in an allowed domain: an address that
    already has an account gets a reset link instead, so the answer never tells who has one."""
    email = normalise_email(email)
    if not signup_domain_allowed(email, domains):
        raise DomainError(_l("Accounts can be made here only with an address ending in %(domains)s.",
                             domains=", ".join(f"@{domain}" for domain in domains)), "email")
    if get_facilitator_by_email(email) is not None:
        reset = request_reset(email)
        return ("reset", reset[1]) if reset else None
    void_open_links("signup", email)
    return "signup", issue("signup", email, WELCOME_VALID)


def redeem_welcome(link: AccountToken, name: str, password: str, locale: str | None) -> Facilitator:
    """The account an invitation or a sign-up link makes, with the name and password chosen."""
    creator = db.session.get(Facilitator, link.created_by_id) if link.created_by_id else None
    account = create_facilitator(link.email, name, password, locale=locale, role=link.role, actor=creator,
                                 action="created" if link.purpose == "invite" else "signed_up")
    link.used_at = utcnow()
    return account


def pending_invitations() -> list[AccountToken]:
    return list(db.session.scalars(select(AccountToken).where(
        AccountToken.purpose == "invite", AccountToken.used_at.is_(None),
        AccountToken.expires_at > utcnow()).order_by(AccountToken.created_at.desc())))


def withdraw_invitation(actor: Facilitator, link_id: int) -> None:
    link = db.session.get(AccountToken, link_id)
    if link is None or link.purpose != "invite" or link.used_at is not None:
        return
    link.used_at = utcnow()
    record_account_event("invitation_withdrawn", None, actor, subject_email=link.email)
