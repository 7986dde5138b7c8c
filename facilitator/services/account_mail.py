"""The e-mails about accounts, each in its recipient's language."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, get_locale, gettext as _

from facilitator.infra.mail import send_mail
from facilitator.models import Facilitator
from facilitator.services.account_links import RESET_VALID, WELCOME_VALID
from facilitator.services.join_link import public_url


def send_reset_mail(account: Facilitator, token: str) -> None:
    with force_locale(account.locale or str(get_locale() or "en")):
        send_mail(account.email, _("Choose a new password"), render_template(
            "account/mail/reset.txt", name=account.name, url=public_url("account.reset", token=token),
            minutes=int(RESET_VALID.total_seconds() // 60)))


def send_welcome_mail(email: str, token: str, inviter: Facilitator | None) -> None:
    """An administrator's invitation (inviter given) or a sign-up's link."""
    subject = _("You are invited to facilitator") if inviter else _("Finish making your account")
    send_mail(email, subject, render_template(
        "account/mail/welcome.txt", inviter=inviter, url=public_url("account.welcome", token=token),
        days=WELCOME_VALID.days))


def send_signup_mail(email: str, kind: str, token: str) -> None:
    """The sign-up's link, or a reset link when the address already has an account."""
    if kind == "reset":
        from facilitator.services.accounts import get_facilitator_by_email
        send_reset_mail(get_facilitator_by_email(email), token)
    else:
        send_welcome_mail(email, token, None)
