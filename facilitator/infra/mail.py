"""E-mail over SMTP: password-reset links and invitations.

Configured by environment variables (config.Config): MAIL_SERVER, MAIL_PORT, MAIL_SECURITY
("starttls", the default; "tls" for a connection encrypted from the start; "none" only for a
relay on the same machine), MAIL_USERNAME, MAIL_PASSWORD, MAIL_SENDER, and MAIL_CA_FILE for a
relay whose certificate a municipality's own authority signed. No MAIL_SERVER: no e-mail, and
the pages that would send one say what to do instead.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    message.set_content(body)
    return message


def tls_context() -> ssl.SSLContext:
    """Certificates are always checked: a relay with its own authority names it in MAIL_CA_FILE."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE") or None)


def open_connection() -> smtplib.SMTP:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    security = config["MAIL_SECURITY"]
    if security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context())
    connection = smtplib.SMTP(host, port, timeout=timeout)
    if security != "none":
        # starttls() raises if the server does not offer it: the password never goes out in clear.
        connection.starttls(context=tls_context())
    return connection


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; MailError when the server cannot be reached or refuses it."""
    config = current_app.config
    message = build_message(to, subject, body)
    try:
        with open_connection() as connection:
            if config.get("MAIL_USERNAME"):
                connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            connection.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("e-mail to %s not sent: %s", to, error)
        raise MailError(str(error)) from error
