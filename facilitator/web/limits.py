"""Rate limits: against guessing join codes and passwords, and against floods of joins and
suggestions, without ever locking out the real user or a room behind one venue NAT.

Only failures count where a failure is what an attacker produces (wrong code, wrong
password), so three hundred phones joining through one address are never slowed; floods are
counted per participant and per workshop, not per address. Storage is in memory for one
process, or Redis (REDIS_URL) shared by all processes.
"""
from __future__ import annotations

import time
from collections import deque

from flask import Flask, current_app, g, request, session
from flask_limiter.util import get_remote_address

from facilitator.infra.extensions import limiter
from facilitator.web.login_devices import device_id, is_known_device

LOGIN_PER_ADDRESS = "30 per 10 minutes"
LOGIN_PER_ACCOUNT_AND_ADDRESS = "5 per minute"
# Stops a distributed guess of one password. A browser that has logged in to the account before
# (its device cookie, see login_devices) is exempt, so an attacker who exhausts it cannot lock
# the real user out; such a browser is counted on its own instead.
LOGIN_PER_ACCOUNT = "100 per hour"
LOGIN_PER_DEVICE = "20 per hour"
WRONG_CODES_PER_ADDRESS = "60 per minute"
# Refused joins (a wrong passcode) per address and workshop: a room behind one NAT mistypes a
# few; a guesser is stopped long before a passcode falls.
REFUSED_JOINS_PER_ADDRESS = "30 per 10 minutes"
JOINS_PER_WORKSHOP = "10000 per minute"
SUGGESTIONS_PER_PARTICIPANT = "20 per minute"
SUGGESTIONS_PER_WORKSHOP = "12000 per minute"
VOTES_PER_PARTICIPANT = "120 per minute"
# A table photographs its cloth or flip chart a few times a round; each upload is megabytes.
PHOTOS_PER_PARTICIPANT = "20 per 10 minutes"
FLOOD_WINDOW_SECONDS = 600


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    app.extensions["floods"] = {}


def failed(response) -> bool:
    return response.status_code in (401, 403, 404, 409, 422)


def login_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def login_account_and_address() -> str:
    return f"{login_email()}|{get_remote_address()}"


def workshop_key() -> str:
    """The workshop a request is about, by its code in the URL."""
    return "workshop:" + str((request.view_args or {}).get("code", "")).upper()


def participant_key() -> str:
    """The phone's participant for this workshop (from its signed cookie), else its address."""
    code = str((request.view_args or {}).get("code", "")).upper()
    tokens = session.get("participants", {})
    return "participant:" + (next(iter(tokens.values()), "") if tokens else get_remote_address()) + code


def record_flood(limit) -> None:
    """Remember refused floods per workshop so the facilitator sees them on the console."""
    code = str((request.view_args or {}).get("code", "")).upper()
    if not code:
        return
    floods = current_app.extensions["floods"].setdefault(code, deque(maxlen=10000))
    floods.append(time.monotonic())


def recent_floods(code: str) -> int:
    floods = current_app.extensions["floods"].get(code.upper())
    if not floods:
        return 0
    horizon = time.monotonic() - FLOOD_WINDOW_SECONDS
    while floods and floods[0] < horizon:
        floods.popleft()
    return len(floods)


def from_known_device() -> bool:
    return is_known_device(login_email())


def from_unknown_device() -> bool:
    return not is_known_device(login_email())


def refuse_login(limit):
    """A refused login answers with the login form, the address kept, and how long to wait."""
    from facilitator.web.auth import refused_login
    return refused_login(limit.reset_at, account_limited=False)


def refuse_login_to_account(limit):
    from facilitator.web.auth import refused_login
    return refused_login(limit.reset_at, account_limited=True)


login_limits = [
    limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"], deduct_when=failed, on_breach=refuse_login),
    limiter.limit(LOGIN_PER_ACCOUNT_AND_ADDRESS, methods=["POST"], key_func=login_account_and_address,
                  deduct_when=failed, on_breach=refuse_login),
    limiter.limit(LOGIN_PER_ACCOUNT, methods=["POST"], key_func=login_email, deduct_when=failed,
                  exempt_when=from_known_device, on_breach=refuse_login_to_account),
    limiter.limit(LOGIN_PER_DEVICE, methods=["POST"], key_func=device_id, deduct_when=failed,
                  exempt_when=from_unknown_device, on_breach=refuse_login),
]


def limit_logins(view):
    """Every login limit on the login view."""
    for limit in reversed(login_limits):
        view = limit(view)
    return view
def names_a_workshop() -> bool:
    """A request for a real workshop is never slowed: only guesses are."""
    from facilitator.services.workshops import get_workshop_by_code
    code = (request.view_args or {}).get("code") or request.form.get("code") or ""
    return get_workshop_by_code(str(code)) is not None


code_guess_limit = limiter.limit(WRONG_CODES_PER_ADDRESS, deduct_when=failed, exempt_when=names_a_workshop)
join_limit = limiter.limit(JOINS_PER_WORKSHOP, key_func=workshop_key, on_breach=record_flood)


def address_and_workshop() -> str:
    return f"{get_remote_address()}|{workshop_key()}"


refused_join_limit = limiter.limit(REFUSED_JOINS_PER_ADDRESS, key_func=address_and_workshop, methods=["POST"],
                                   deduct_when=failed, on_breach=record_flood)


def spends_send_budget(response) -> bool:
    """A send counts against the limits unless it cost the phone nothing it chose: a retry the
    server had already stored (same idempotency key), or a refusal while the database was away.
    Counting those punished phones that did everything right with 429s after an outage."""
    return response.status_code != 503 and not g.get("send_was_replay", False)


suggestion_limits = [
    limiter.limit(SUGGESTIONS_PER_PARTICIPANT, key_func=participant_key, on_breach=record_flood,
                  deduct_when=spends_send_budget),
    limiter.limit(SUGGESTIONS_PER_WORKSHOP, key_func=workshop_key, on_breach=record_flood,
                  deduct_when=spends_send_budget),
]
vote_limit = limiter.limit(VOTES_PER_PARTICIPANT, key_func=participant_key, on_breach=record_flood)
photo_limit = limiter.limit(PHOTOS_PER_PARTICIPANT, key_func=participant_key, on_breach=record_flood,
                            deduct_when=spends_send_budget)

