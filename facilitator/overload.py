"""Graceful overload: when the process cannot keep up, a phone's send is told so at once.

Without a bound, every request is started as it arrives; past the process's capacity they all
slow down together, the queue grows without end, and the server ends up working through sends
whose phones gave up long ago while their retries keep the queue full. Here the phones' writes
(every POST under /j/ and /join) pass a gate: at most OVERLOAD_MAX_IN_FLIGHT of them are worked
on at a time, at most OVERLOAD_MAX_QUEUED wait for a place, none waits longer than
OVERLOAD_MAX_QUEUE_SECONDS, nor longer than the phone waits for its answer
(OVERLOAD_CLIENT_TIMEOUT_SECONDS, outbox.js's SEND_TIMEOUT_MS): a send whose phone has given up
is not done, its retry comes with the same client_id. Beyond that the send is answered 503 with
a Retry-After (with jitter, so refused phones do not come back together) before the CSRF
check, the limits or the database.

Everything else passes untouched: the facilitator's console and the projector are what steers
the room (and could pause it) when it is too busy, they are a handful of requests against
hundreds of phones, and the live socket only pushes. Phones' page loads pass too: they change
nothing, and a phone that cannot load its page cannot keep its outbox.

The gate is a ``threading.Condition``: under gunicorn's gevent worker the standard library is
patched (facilitator.wsgi) and it waits cooperatively; under the tests' threading server it is
a real lock.
"""
from __future__ import annotations

import os
import random
import io
import threading
import time

from flask import Flask, request
from flask_babel import gettext as _

# Measured with `python -m bench.overload --measure` (bench/README.md, "Overload"): on one
# gevent process, accepted sends per second stop rising at 4 in flight on SQLite and on
# PostgreSQL, while the time a send takes keeps growing with each one more.
DEFAULT_MAX_IN_FLIGHT = 4
# Waiting places: about a quarter of a second of work at the measured 150-250 sends/s.
DEFAULT_MAX_QUEUED = 48
DEFAULT_MAX_QUEUE_SECONDS = 1.0
# The phone's outbox gives up on an answer after 30 s (outbox.js, SEND_TIMEOUT_MS).
DEFAULT_CLIENT_TIMEOUT_SECONDS = 30.0
DEFAULT_RETRY_AFTER_SECONDS = 2
SHED = "facilitator.overload.retry_after"
# Bodies are read (into memory) before a place is taken, so that a phone uploading slowly holds
# no place. A photo (25 MB at most) is read whole by its view anyway; larger is refused (413).
BODY_MAX_BYTES = 32 * 1024 * 1024


def init_app(app: Flask) -> None:
    """Put the gate around everything else (call it last), with settings from the environment."""
    settings = {
        "OVERLOAD_MAX_IN_FLIGHT": int(os.environ.get("OVERLOAD_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT)),
        "OVERLOAD_MAX_QUEUED": int(os.environ.get("OVERLOAD_MAX_QUEUED", DEFAULT_MAX_QUEUED)),
        "OVERLOAD_MAX_QUEUE_SECONDS": float(os.environ.get("OVERLOAD_MAX_QUEUE_SECONDS",
                                                           DEFAULT_MAX_QUEUE_SECONDS)),
        "OVERLOAD_CLIENT_TIMEOUT_SECONDS": float(os.environ.get("OVERLOAD_CLIENT_TIMEOUT_SECONDS",
                                                                DEFAULT_CLIENT_TIMEOUT_SECONDS)),
        "OVERLOAD_RETRY_AFTER_SECONDS": int(os.environ.get("OVERLOAD_RETRY_AFTER_SECONDS",
                                                           DEFAULT_RETRY_AFTER_SECONDS)),
    }
    for name, value in settings.items():
        app.config.setdefault(name, value)
    # First of all before_request functions: a refused send skips the CSRF check and the limits.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_if_shed)
    gate = Gate(app.config["OVERLOAD_MAX_IN_FLIGHT"], app.config["OVERLOAD_MAX_QUEUED"])
    app.extensions["overload_gate"] = gate
    app.wsgi_app = OverloadGate(app.wsgi_app, gate, app.config)


class Gate:
    """At most ``capacity`` holders at a time and ``max_queued`` waiting for a place."""

    def __init__(self, capacity: int, max_queued: int):
        self.capacity, self.max_queued = max(1, capacity), max(0, max_queued)
        self.in_flight = self.queued = 0
        self.condition = threading.Condition()

    def enter(self, timeout: float) -> bool:
        """Take a place, waiting at most ``timeout`` seconds; False when refused."""
        with self.condition:
            if self.in_flight < self.capacity:
                self.in_flight += 1
                return True
            if self.queued >= self.max_queued or timeout <= 0:
                return False
            self.queued += 1
            try:
                admitted = self.condition.wait_for(lambda: self.in_flight < self.capacity, timeout)
            finally:
                self.queued -= 1
            if admitted:
                self.in_flight += 1
            return admitted

    def leave(self) -> None:
        with self.condition:
            self.in_flight -= 1
            self.condition.notify()


def is_phone_write(environ) -> bool:
    """A POST from a participant's phone: a send, a vote, a join, a photo, a language choice."""
    path = environ.get("PATH_INFO", "")
    return environ.get("REQUEST_METHOD") == "POST" and (path.startswith("/j/") or path == "/join")


def read_body_first(environ) -> bool:
    """Read the request's body (up to BODY_MAX_BYTES) before it may take a place; False when the
    client closed the connection before sending all it announced."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True  # Flask answers a malformed request
    if length <= 0 or length > BODY_MAX_BYTES:
        return True  # nothing to read, or too large: Flask refuses it (413) without reading it
    stream, body = environ["wsgi.input"], io.BytesIO()
    remaining = length
    while remaining:
        try:
            chunk = stream.read(min(remaining, 65536))
        except OSError:
            chunk = b""
        if not chunk:
            return False
        body.write(chunk)
        remaining -= len(chunk)
    body.seek(0)
    environ["wsgi.input"] = body
    return True


def retry_after(base: int) -> int:
    """Seconds to come back after, spread so that refused phones do not return together."""
    return random.randint(base, 2 * base)  # noqa: S311 - jitter, not a secret


class OverloadGate:
    """WSGI middleware: phones' writes pass the gate or are refused with 503 in milliseconds."""

    def __init__(self, wsgi_app, gate: Gate, config):
        self.wsgi_app, self.gate, self.config = wsgi_app, gate, config

    def __call__(self, environ, start_response):
        if not is_phone_write(environ):
            return self.wsgi_app(environ, start_response)
        arrived = time.monotonic()
        if not read_body_first(environ):
            start_response("400 Bad Request", [("Content-Length", "0"), ("Connection", "close")])
            return []  # the phone went away in the middle of its request: nobody to answer
        # Never past the phone's own patience: after that its retry (same client_id) is on its way.
        patience = min(self.config["OVERLOAD_MAX_QUEUE_SECONDS"],
                       self.config["OVERLOAD_CLIENT_TIMEOUT_SECONDS"] - (time.monotonic() - arrived))
        if patience <= 0 or not self.gate.enter(patience):
            environ[SHED] = retry_after(self.config["OVERLOAD_RETRY_AFTER_SECONDS"])
            return self.wsgi_app(environ, start_response)
        # The work is done when Flask returns (a phone's write is never streamed): sending the
        # answer to a slow phone holds no place.
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.gate.leave()


def refuse_if_shed():
    """A refused send's answer, in the browser's language: busy, kept, will be sent."""
    seconds = request.environ.get(SHED)
    if seconds is None:
        return None
    from .errors import render_error
    response, status = render_error(503, _("The room is busy"), _(
        "Many people are sending at once. Please go back and try again in a few seconds; "
        "what you wrote is still in the box if your browser kept it."))
    return response, status, {"Retry-After": str(seconds), "Cache-Control": "no-store"}
