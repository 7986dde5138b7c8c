"""Device cookies (OWASP's defence against account lockout): a browser where a facilitator has
logged in before may keep trying when the account's own limit is exhausted.

The per-account limit stops a password guessed from many addresses at once, but by itself it
would let anyone who knows an address lock its owner out by guessing wrong on purpose. A
successful login therefore leaves a signed cookie in that browser naming the account; a request
that carries it is counted per device instead of per account. A browser without one (an
attacker's, or the owner's on a new laptop) still faces the per-account limit.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "facilitator_device"
COOKIE_DAYS = 365
# A shared laptop at the venue may remember a few facilitators; the oldest drops out.
ACCOUNTS_PER_DEVICE = 5


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def account_tag(email: str) -> str:
    """The account as the cookie names it: a digest, so the cookie does not show the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def read_device() -> dict | None:
    """The cookie's content (``id`` and ``accounts``) when it is ours, unaltered and not too old."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    try:
        device = serializer().loads(value, max_age=COOKIE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(device, dict) or not isinstance(device.get("accounts"), list):
        return None
    return device


def is_known_device(email: str) -> bool:
    """Whether this browser has logged in to the account with this ``email`` before."""
    device = read_device()
    return device is not None and account_tag(email) in device["accounts"]


def device_id() -> str:
    """The id that counts this browser's failures; empty (not counted) without a valid cookie."""
    device = read_device()
    return f"device:{device['id']}" if device else ""


def remember_device(response, email: str):
    """Set or refresh the cookie after a successful login to the account with this ``email``."""
    device = read_device() or {"id": secrets.token_urlsafe(12), "accounts": []}
    tag = account_tag(email)
    accounts = [tag] + [other for other in device["accounts"] if other != tag]
    value = serializer().dumps({"id": device["id"], "accounts": accounts[:ACCOUNTS_PER_DEVICE]})
    # Sent only to the login pages; Strict, because only our own login form needs it.
    response.set_cookie(COOKIE_NAME, value, max_age=COOKIE_DAYS * 86400, path="/auth", httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), samesite="Strict")
    return response
