"""Facilitator accounts: creating them, logging in, passwords and sessions."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from facilitator.services import DomainError
from facilitator.infra.extensions import db
from facilitator.models import AccountRole, Facilitator
from facilitator.services.account_log import record_account_event
from facilitator.services.passwords import check_new_password

# Compared against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def has_any_facilitator() -> bool:
    return db.session.scalar(select(func.count(Facilitator.id))) > 0


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_account_email(email: str) -> str:
    """The address normalised, or email-validator's EmailNotValidError saying what is wrong.

    email-validator refuses every special-use domain. Of those we accept the three that RFC 2606
    reserves for tests and examples (.test, .invalid, .example): no real person can ever own such
    an address, so an installation may give one to a demo or placeholder account (the demo login
    is demo@facilitator.invalid), and no mail is ever sent to it. The other special-use names
    (.local, .localhost, .onion, .arpa) name real networks; such an address is most likely a typo
    or a machine-local one that a co-facilitator elsewhere could not tell apart from a real one.
    """
    from email_validator import EmailNotValidError, validate_email
    address = (email or "").strip()
    # .invalid has the syntax of .test, which email-validator checks when asked for test names.
    checked = address[:-len("invalid")] + "test" if address.lower().endswith(".invalid") else address
    result = validate_email(checked, check_deliverability=False, test_environment=True)
    if "." not in result.ascii_domain:  # "name@test" alone is no address
        raise EmailNotValidError("The part after the @-sign is not valid. It should have a period.")
    return normalise_email(address)


def create_facilitator(email: str, name: str, password: str, locale: str | None = None,
                       role: str = AccountRole.FACILITATOR, actor: Facilitator | None = None,
                       action: str = "created") -> Facilitator:
    """An account with the password stored as a salted scrypt hash; a password that is too
    short or too common is refused (DomainError on "password"). The audit log records it
    (``actor`` None: the command line, the set-up, or the person themselves)."""
    email = normalise_email(email)
    if db.session.scalar(select(Facilitator.id).where(Facilitator.email == email)):
        raise DomainError(_l("There is already an account with that e-mail address."), "email")
    check_new_password(password, email)
    facilitator = Facilitator(email=email, name=name.strip(), locale=locale, role=AccountRole(role),
                              password_hash=generate_password_hash(password))
    db.session.add(facilitator)
    db.session.flush()
    record_account_event(action, facilitator, actor, detail=str(facilitator.role))
    return facilitator


# Letters and digits that cannot be mistaken for each other when read off a terminal.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet, not a password


def new_password() -> str:
    """A random password to hand out once: four groups of four (31^16, about 79 bits)."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def authenticate(email: str, password: str) -> Facilitator | None:
    """The active account with this address and password; None for anything else, a
    deactivated account included (the answer takes as long either way)."""
    facilitator = db.session.scalar(
        select(Facilitator).where(Facilitator.email == normalise_email(email)))
    if facilitator is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(facilitator.password_hash, password):
        return None
    return facilitator if facilitator.active else None


def load_facilitator(user_id: str) -> Facilitator | None:
    """Flask-Login's loader: the id carries a nonce so a logout ends every copy of the session."""
    try:
        raw_id, nonce = user_id.split(":", 1)
        facilitator = db.session.get(Facilitator, int(raw_id))
    except (ValueError, AttributeError):
        return None
    if facilitator is None or not secrets.compare_digest(facilitator.session_nonce, nonce):
        return None
    # A deactivated account's open sessions end at their next request.
    return facilitator if facilitator.active else None


def end_all_sessions(facilitator: Facilitator) -> None:
    facilitator.session_nonce = secrets.token_hex(8)
    db.session.flush()


def get_facilitator_by_email(email: str) -> Facilitator | None:
    return db.session.scalar(select(Facilitator).where(Facilitator.email == normalise_email(email)))


def set_password(facilitator: Facilitator, password: str) -> None:
    """A new password (refused if too short or too common), and every browser logged in with
    the old one is logged out."""
    check_new_password(password, facilitator.email)
    facilitator.password_hash = generate_password_hash(password)
    end_all_sessions(facilitator)
