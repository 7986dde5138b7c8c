"""A facilitator's logged-in session: starting it afresh, and where to go after logging in.

Password login (auth), single sign-on (sso) and the account pages all start sessions the same
way; this module is what they share, so that none of them imports another."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import after_this_request, session, url_for
from flask_login import login_user

from facilitator.web.login_devices import remember_device


def start_session(facilitator) -> None:
    """Log in afresh, and let this browser be known to the account (its device cookie)."""
    # A fresh session on login, so a session id planted before login is useless.
    session.clear()
    session.permanent = True
    session["seen"] = int(time.time())
    login_user(facilitator)
    email = facilitator.email
    after_this_request(lambda response: remember_device(response, email))


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would hand phishers our domain."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("host.dashboard")
