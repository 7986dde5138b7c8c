"""Graceful overload: when the process cannot keep up, a phone's send is told so at once.

Without a bound, every request is started as it arrives; past the process's capacity they all
slow down together, the queue grows without end, and the server ends up working through sends
whose phones gave up long ago while their retries keep the queue full. Here the phones' writes
(every POST under /j/ and /join) pass a gate: at most OVERLOAD_MAX_IN_FLIGHT of them are worked
on at a time, at most OVERLOAD_MAX_QUEUED wait for a place, none waits longer than
OVERLOAD_MAX_QUEUE_SECONDS, nor longer than the phone waits for its answer
(OVERLOAD_CLIENT_TIMEOUT_SECONDS, outbox.js's SEND_TIMEOUT_MS): a send whose phone has given up
is not done, its retry comes with the same client_id. Beyond that the send is answered 503 with
a Retry-After that books the phone the next free slot at the rate phones are let in
(ReturnSchedule), before the CSRF check, the limits or the database.

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
import math
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
# PostgreSQL needs more places for the same work. A SQLite send runs from start to end without
# yielding (the driver is C, in the process), so a place is held about as long as the send's CPU.
# A PostgreSQL send yields at each of its ~6 round trips and holds its place while it waits for
# the other greenlets to let it run again: in the 200-send burst on a busy machine, 10-20 ms per
# round trip and 65-145 ms per send after the gate for ~5-6 ms of CPU, so 8 places let 60-110
# sends a second through (Little's law) while PostgreSQL's backends sat idle in transaction,
# waiting for the app, and half the burst was refused (bench/burst.py, issue #17). Measured with
# 16, 24 and 32 places; database.py keeps a pooled connection for every place.
DEFAULT_MAX_IN_FLIGHT_POSTGRESQL = 24
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
        "OVERLOAD_MAX_IN_FLIGHT": int(os.environ.get("OVERLOAD_MAX_IN_FLIGHT", default_max_in_flight(
            app.config["SQLALCHEMY_DATABASE_URI"]))),
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


def default_max_in_flight(database_uri: str) -> int:
    """Places for the database's way of waiting: see DEFAULT_MAX_IN_FLIGHT_POSTGRESQL."""
    return DEFAULT_MAX_IN_FLIGHT_POSTGRESQL if database_uri.startswith("postgresql") else DEFAULT_MAX_IN_FLIGHT


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


class ReturnSchedule:
    """When a refused phone should come back: the next free slot, a little faster than phones are let in.

    The phones refused lately form a queue the server does not keep: each refusal books the
    next free slot, OVERBOOK per admission the process managed lately (measured over the last
    window), and Retry-After is the wait until that slot, in whole seconds (the outbox adds up
    to a second at random, which spreads the phones booked into the same second). So refused
    phones come back in the order they were refused, never all at once: while the room stays
    busy the wait grows with the queue, and once load falls there are always phones coming
    back, so the process works through the backlog at its full rate; then the wait falls back
    to the base. A phone that comes back to a full gate is refused again in a millisecond and
    books a later slot.

    Before (issue #17) the wait was the backlog over the admission rate, jittered ×1-2 by the
    server and ×1-1.5 by the outbox, up to 20 s: phones refused near the end of an overload
    came back after up to 60 s whatever the load by then, and the drain took twice what the
    backlog needed (bench.overload: 59 s where 29 s would do). The queue is capped at
    MAX_SECONDS; past it phones are spread over its second half and come back to be booked again.
    """

    WINDOW_SECONDS, MAX_SECONDS = 2.0, 60
    # Slots go three times as fast as phones were let in lately: that rate is what the process
    # managed while also refusing the overload (half its closed-loop capacity on a busy machine),
    # and once load falls it takes more. Booked at that rate alone (or twice it), phones kept
    # coming back after the room had calmed (bench.overload, 10 s at 3x then 25 %: drained after
    # 46 s, 48 s with 2x, where the backlog needed 32-36 s; 31 s with 3x, where it needed 33 s).
    OVERBOOK = 3.0

    def __init__(self, base: int, places: int, clock=time.monotonic):
        # The rate is learnt from windows in which phones were refused (the gate was full, so what
        # it let in is what the process manages); a calm window only shows a lower bound. Before
        # any busy window: a place frees up every tenth of a second (sends take 4-150 ms). Never
        # less than one per place per second, the longest a send waits at the gate.
        self.base, self.least_rate = max(1, base), float(max(1, places))
        self.rate, self.clock = 10 * self.least_rate, clock
        self.since, self.admitted, self.refused = clock(), 0, 0
        self.booked_until = 0.0

    def count(self, admitted: bool) -> None:
        now = self.clock()
        if now - self.since >= self.WINDOW_SECONDS:
            measured = self.admitted / (now - self.since)
            self.rate = max(self.least_rate, measured) if self.refused else max(self.rate, measured)
            self.since, self.admitted, self.refused = now, 0, 0
        if admitted:
            self.admitted += 1

    def retry_after(self) -> int:
        """Whole seconds until this phone's slot (at least the base)."""
        self.count(admitted=False)
        self.refused += 1
        now = self.clock()
        # Slots start just under the base, so that the first second of them is told the base.
        self.booked_until = max(self.booked_until, now + self.base - 1) + 1 / (self.OVERBOOK * self.rate)
        if self.booked_until - now > self.MAX_SECONDS:
            self.booked_until = now + self.MAX_SECONDS
            return random.randint(self.MAX_SECONDS // 2, self.MAX_SECONDS)  # noqa: S311 - jitter
        return max(self.base, math.ceil(self.booked_until - now))


class OverloadGate:
    """WSGI middleware: phones' writes pass the gate or are refused with 503 in milliseconds."""

    def __init__(self, app: Flask, gate: Gate):
        self.app, self.wsgi_app, self.gate, self.config = app, app.wsgi_app, gate, app.config
        self.schedule = ReturnSchedule(self.config["OVERLOAD_RETRY_AFTER_SECONDS"], gate.capacity)
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
            seconds = self.schedule.retry_after()
            if environ.get("HTTP_HX_REQUEST"):
                return self.refuse_fragment(environ, start_response, seconds)
            environ[SHED] = seconds  # a page for a phone without JavaScript, rendered by Flask
            return self.wsgi_app(environ, start_response)
        self.schedule.count(admitted=True)
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
