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

The gate is a ``threading`` lock and an event per waiting request: under gunicorn's gevent
worker the standard library is patched (facilitator.wsgi) and they wait cooperatively; under the
tests' threading server they are real locks.
"""
from __future__ import annotations

import collections
import os
import random
import io
import threading
import time

from flask import Flask, render_template
from flask_babel import force_locale, gettext as _
from werkzeug.http import parse_accept_header

from facilitator.infra.security import SECURITY_HEADERS

# Measured with `python -m bench.overload --measure 1,2,4,8,16` (bench/README.md, "Overload"),
# one gevent process on SQLite, 24 outboxes sending back to back, on a busy shared machine
# (load average 4-5 on 2 cores): accepted sends/s 71, 102, 87, 145, 66 and p99 860, 1193, 546,
# 484, 939 ms for 1, 2, 4, 8, 16 in flight. 8 was best on both; the figures are noisy, and a
# quiet machine should measure again (OVERLOAD_MAX_IN_FLIGHT).
DEFAULT_MAX_IN_FLIGHT = 8
# Waiting places: about a third of a second of work at the measured 100-150 sends/s.
DEFAULT_MAX_QUEUED = 48
DEFAULT_MAX_QUEUE_SECONDS = 1.0
# The phone's outbox gives up on an answer after 30 s (outbox.js, SEND_TIMEOUT_MS).
DEFAULT_CLIENT_TIMEOUT_SECONDS = 30.0
DEFAULT_RETRY_AFTER_SECONDS = 2
SHED = "facilitator.infra.overload.retry_after"
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
    gate = Gate(app.config["OVERLOAD_MAX_IN_FLIGHT"], app.config["OVERLOAD_MAX_QUEUED"])
    app.extensions["overload_gate"] = gate
    app.wsgi_app = OverloadGate(app, gate)


class Gate:
    """At most ``capacity`` holders at a time and ``max_queued`` waiting for a place.

    A place that frees up is handed straight to the request that has waited longest. Were it
    simply released, a request arriving just then would take it before the woken waiter ran,
    and under overload the waiters would sit out their whole timeout while newcomers got in."""

    def __init__(self, capacity: int, max_queued: int):
        self.capacity, self.max_queued = max(1, capacity), max(0, max_queued)
        self.in_flight = 0
        self.lock = threading.Lock()
        self.waiting: collections.deque[threading.Event] = collections.deque()

    @property
    def queued(self) -> int:
        return len(self.waiting)

    def enter(self, timeout: float) -> bool:
        """Take a place, waiting at most ``timeout`` seconds; False when refused."""
        with self.lock:
            if self.in_flight < self.capacity and not self.waiting:
                self.in_flight += 1
                return True
            if len(self.waiting) >= self.max_queued or timeout <= 0:
                return False
            turn = threading.Event()
            self.waiting.append(turn)
        if turn.wait(timeout):
            return True  # leave() handed its place over: in_flight already counts it
        with self.lock:
            if turn.is_set():
                return True  # handed over just as the wait ran out
            self.waiting.remove(turn)
            return False

    def leave(self) -> None:
        with self.lock:
            if self.waiting:
                self.waiting.popleft().set()  # the place passes on; in_flight stays
            else:
                self.in_flight -= 1


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


class Pressure:
    """How long the phones refused lately need to be served, from the last window's counts.

    A fixed Retry-After brings every refused phone back together while the room is still
    busy, and the server spends its time refusing them again. The phones waiting are about
    the refusals per second times the wait they were given; served at the rate phones are let
    in, they need that many over that rate seconds. So the wait grows while the room stays
    busy and falls back to the base when it calms down."""

    WINDOW_SECONDS, MAX_SECONDS = 2.0, 20

    def __init__(self, base: int):
        self.base, self.since = base, time.monotonic()
        self.admitted = self.refused = self.waits = 0
        self.wait = float(base)

    def count(self, admitted: bool) -> None:
        now = time.monotonic()
        if now - self.since >= self.WINDOW_SECONDS:
            span, self.since = now - self.since, now
            waiting = self.refused / span * (self.waits / self.refused if self.refused else 0)
            self.wait = min(self.MAX_SECONDS, max(self.base, waiting / max(self.admitted / span, 1.0)))
            self.admitted = self.refused = self.waits = 0
        if admitted:
            self.admitted += 1

    def retry_after(self) -> int:
        """Seconds to come back after, spread so that refused phones do not return together."""
        self.count(admitted=False)
        seconds = round(self.wait * random.uniform(1, 2))  # noqa: S311 - jitter, not a secret
        self.refused += 1
        self.waits += seconds
        return seconds


class OverloadGate:
    """WSGI middleware: phones' writes pass the gate or are refused with 503 in milliseconds."""

    def __init__(self, app: Flask, gate: Gate):
        self.app, self.wsgi_app, self.gate, self.config = app, app.wsgi_app, gate, app.config
        self.pressure = Pressure(self.config["OVERLOAD_RETRY_AFTER_SECONDS"])
        self.fragments: dict[str, bytes] = {}

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
            seconds = self.pressure.retry_after()
            if environ.get("HTTP_HX_REQUEST"):
                return self.refuse_fragment(environ, start_response, seconds)
            environ[SHED] = seconds  # a page for a phone without JavaScript, rendered by Flask
            return self.wsgi_app(environ, start_response)
        self.pressure.count(admitted=True)
        # The work is done when Flask returns (a phone's write is never streamed): sending the
        # answer to a slow phone holds no place.
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            self.gate.leave()


    def refuse_fragment(self, environ, start_response, seconds: int):
        """The outbox's refusal: made once per language, so that refusing costs next to nothing
        (it carries no session and no form token, unlike a page)."""
        locale = self.locale_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        if locale not in self.fragments:
            with self.app.test_request_context(), force_locale(locale):
                self.fragments[locale] = render_template("_error.html", **busy_words()).encode()
        body = self.fragments[locale]
        headers = [*SECURITY_HEADERS.items(), ("Content-Type", "text/html; charset=utf-8"),
                   ("Content-Length", str(len(body))), ("Retry-After", str(seconds)),
                   ("Cache-Control", "no-store"), ("Vary", "HX-Request")]
        start_response("503 Service Unavailable", headers)
        return [body]

    def locale_of(self, accept_language: str) -> str:
        supported = self.config["LANGUAGES"]
        for value, _quality in parse_accept_header(accept_language):
            code = value.lower().replace("_", "-").split("-")[0]
            code = {"no": "nb"}.get(code, code)
            if code in supported:
                return code
        return self.config["BABEL_DEFAULT_LOCALE"]


def busy_words() -> dict:
    return {"title": _("The room is busy"), "message": _(
        "Many people are sending at once. Please go back and try again in a few seconds; "
        "what you wrote is still in the box if your browser kept it.")}
