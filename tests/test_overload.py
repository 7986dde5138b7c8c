"""Graceful overload (facilitator/infra/overload.py): past the bound on phones' writes in flight, a send
is answered 503 with a Retry-After within milliseconds, never queued without end; nothing is
lost and nothing stored twice once the phones' retries come in; the facilitator's console and
the projector keep answering meanwhile.

A real server (Werkzeug's threading server, on 127.0.0.1) with a small bound; the sends in
flight are held by a real database lock taken by another connection, as a backup or a long
migration would hold it.
"""
from __future__ import annotations

import collections
import math
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import text as sql
from werkzeug.serving import make_server

from support.factories import PASSWORD, make_facilitator, make_workshop
from support.postgres import empty_postgres
from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.infra.overload import ReturnSchedule
from support.forms import csrf_token_in
from support.phone import Phone, send_until_acknowledged

IN_FLIGHT, QUEUED, QUEUE_SECONDS, RETRY_AFTER = 2, 2, 0.3, 2
# Longer than the app's SQLite busy timeout (2 s, database.py): there, the sends in flight are
# told the database is busy; on PostgreSQL they wait, then store.
LOCK_SECONDS = 3.0
PHONES = 8


@pytest.fixture(params=["file", "postgres"])
def gated_app(request, tmp_path):
    """The app with a bound of two sends in flight and two waiting, on a database a test can lock."""
    if request.param == "postgres":
        uri = request.getfixturevalue("postgres_url")
    else:
        uri = f"sqlite:///{tmp_path / 'overload.sqlite3'}"
    config = type("OverloadConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": None, "OVERLOAD_MAX_IN_FLIGHT": IN_FLIGHT,
        "OVERLOAD_MAX_QUEUED": QUEUED, "OVERLOAD_MAX_QUEUE_SECONDS": QUEUE_SECONDS,
        "OVERLOAD_RETRY_AFTER_SECONDS": RETRY_AFTER})
    app = create_app(config)
    with app.app_context():
        upgrade()
        if request.param == "postgres":
            empty_postgres(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def writes_locked(app, seconds: float):
    """Another connection holds the suggestions' write lock for ``seconds``; reads still work."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        connection = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None,
                                     check_same_thread=False)
        connection.execute("BEGIN IMMEDIATE")
        release = "ROLLBACK"
    else:
        import psycopg
        connection = psycopg.connect(uri.replace("postgresql+psycopg://", "postgresql://"))
        connection.execute("LOCK TABLE suggestions IN EXCLUSIVE MODE")
        release = None
    released = threading.Event()

    def unlock():
        if not released.is_set():
            released.set()
            if release:
                connection.execute(release)
            else:
                connection.rollback()
            connection.close()
    timer = threading.Timer(seconds, unlock)
    timer.start()
    try:
        yield released
    finally:
        timer.cancel()
        unlock()


def stored(app, workshop_id: int) -> list[tuple[str, str]]:
    with app.app_context(), closing(db.engine.connect()) as connection:
        rows = connection.execute(sql("SELECT client_id, text FROM suggestions WHERE workshop_id = :id"),
                                  {"id": workshop_id}).fetchall()
    return sorted(tuple(row) for row in rows)


def timed_send(phone: Phone, workshop, words: str, client_id: str):
    began = time.monotonic()
    reply = phone.suggest(workshop.join_code, workshop.question_ids[0], words, client_id, htmx=True)
    return reply, time.monotonic() - began, time.monotonic()


def log_in(port: int, email: str) -> Phone:
    """A facilitator's browser: the same plain HTTP client, logged in."""
    laptop = Phone(port)
    page = laptop.request("GET", "/auth/login")
    reply = laptop.request("POST", "/auth/login", {"csrf_token": csrf_token_in(page.body), "email": email,
                                                   "password": PASSWORD})
    assert reply.status == 303, reply.body[:300]
    return laptop


def test_past_the_bound_sends_are_refused_at_once_and_none_is_lost_or_stored_twice(gated_app):
    owner = make_facilitator(gated_app)
    workshop = make_workshop(gated_app, owner.id)
    with serving(gated_app) as port:
        phones = [Phone(port, timeout=30) for _ in range(PHONES)]
        for number, phone in enumerate(phones):
            phone.join(workshop.join_code, f"Phone {number}")
        laptop = log_in(port, owner.email)
        sends = {f"Idea {number} from a busy room": uuid.uuid4().hex for number in range(PHONES)}
        start = threading.Barrier(PHONES)

        def send(pair):
            phone, (text, client_id) = pair
            start.wait(timeout=10)
            return timed_send(phone, workshop, text, client_id)

        with writes_locked(gated_app, LOCK_SECONDS):
            with ThreadPoolExecutor(max_workers=PHONES) as pool:
                pending = pool.map(send, zip(phones, sends.items(), strict=True))
                time.sleep(QUEUE_SECONDS + 0.1)
                # The gate is full: the projector, the console and a phone's page still answer.
                asked_at = time.monotonic()
                assert laptop.request("GET", f"/projector/{workshop.join_code}").status == 200
                assert laptop.request("GET", f"/host/workshops/{workshop.id}/suggestions").status == 200
                assert phones[0].request("GET", f"/j/{workshop.join_code}").status == 200
                replies = list(pending)

        shed = [(reply, took, at) for reply, took, at in replies if "The room is busy" in reply.body]
        held = [(reply, took, at) for reply, took, at in replies if "The room is busy" not in reply.body]
        assert len(held) == IN_FLIGHT and len(shed) == PHONES - IN_FLIGHT, [r.status for r, _, _ in replies]
        # The sends in flight waited for the database (then stored, or told the database was busy).
        assert all(reply.status in (200, 503) and took > 1.0 for reply, took, _ in held)
        assert asked_at < min(at for _, _, at in held), "the gate was no longer full"
        for reply, took, _ in shed:
            assert reply.status == 503
            assert int(reply.headers["Retry-After"]) in range(RETRY_AFTER, 2 * RETRY_AFTER + 1)
            assert took < QUEUE_SECONDS + 0.5, took
        # Those that found no waiting place were told at once (a busy machine's milliseconds).
        at_once = sorted(took for _, took, _ in shed)[:PHONES - IN_FLIGHT - QUEUED]
        assert max(at_once) < 0.25, at_once
        stored_now = stored(gated_app, workshop.id)
        assert stored_now == sorted((client_id, text) for text, client_id in sends.items()
                                    if any(reply.status == 200 and text in reply.body for reply, _, _ in held))

        # The outboxes' retries (the same client_id, every one of them, stored or not) come in,
        # each at the slot it was given (ReturnSchedule), later ones later.
        deadline = time.monotonic() + 90
        for phone, (text, client_id) in zip(phones, sends.items(), strict=True):
            outcome = send_until_acknowledged(phone, workshop.join_code, workshop.question_ids[0], text,
                                              client_id, deadline=deadline, htmx=True)
            assert outcome.reply is not None and outcome.reply.status == 200, outcome
    assert stored(gated_app, workshop.id) == sorted((client_id, text) for text, client_id in sends.items())


def test_a_refused_send_says_the_room_is_busy_in_the_phones_language(gated_app):
    """A phone without JavaScript gets a page, translated, that says what to do."""
    owner = make_facilitator(gated_app)
    workshop = make_workshop(gated_app, owner.id)
    with serving(gated_app) as port:
        phones = [Phone(port, timeout=30) for _ in range(IN_FLIGHT + QUEUED + 1)]
        for phone in phones:
            phone.join(workshop.join_code)
        with writes_locked(gated_app, LOCK_SECONDS), ThreadPoolExecutor(max_workers=len(phones)) as pool:
            held = [pool.submit(timed_send, phone, workshop, f"Held {n}", uuid.uuid4().hex)
                    for n, phone in enumerate(phones[:-1])]
            time.sleep(0.3)
            form = {"text": "Skrevet i et travelt rom", "client_id": uuid.uuid4().hex,
                    "csrf_token": phones[-1].csrf}
            reply = phones[-1].request("POST", f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}", form,
                                       {"Accept-Language": "nb-NO,nb;q=0.9"})
            # The outbox's refusal (htmx): a fragment, in the browser's language too.
            fragment = phones[-1].request("POST", f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}",
                                          {"text": "Skrevet i et travelt rom", "client_id": form["client_id"]},
                                          {"Accept-Language": "nn", "HX-Request": "true",
                                           "X-CSRFToken": phones[-1].csrf})
            [future.result() for future in held]
    assert reply.status == 503 and reply.headers["Retry-After"].isdigit()
    assert "Travelt akkurat nå" in reply.body and "<html" in reply.body
    assert fragment.status == 503 and fragment.headers["Retry-After"].isdigit()
    assert "Travelt akkurat no" in fragment.body and "<html" not in fragment.body


def test_refused_phones_are_told_to_come_back_one_slot_after_another_at_the_rate_phones_are_let_in():
    """Issue #17: a wait that grew to 20 s (and up to 60 s with its jitter) kept phones away long
    after the room had calmed. Now each refused phone books the next slot, OVERBOOK per phone the
    gate lets in: a busy room's phones come back spread out, in the order they were refused, and
    as soon as the process can take them; a calm room's at the base."""
    now = [1000.0]
    schedule = ReturnSchedule(base=RETRY_AFTER, places=2, clock=lambda: now[0])
    assert [schedule.retry_after() for _ in range(10)] == [RETRY_AFTER] * 10

    # A busy window: 100 let in over 2 s (50/s) while phones were refused.
    for _ in range(100):
        schedule.count(admitted=True)
    now[0] += 2.0
    slots_per_second = ReturnSchedule.OVERBOOK * 50
    busy = [schedule.retry_after() for _ in range(600)]
    assert busy == sorted(busy), "later refusals come back later"
    assert busy[0] == RETRY_AFTER and busy[-1] == RETRY_AFTER - 1 + math.ceil(600 / slots_per_second)
    assert max(collections.Counter(busy).values()) <= slots_per_second + 1, "a second's slots per second"

    # The refused phones come back at their slots and are let in at the same rate; then the load
    # falls. A phone refused once the booked slots have passed is told the base, not what the
    # busy room needed, and a calm spell does not lower the rate learnt while busy.
    for _ in range(100):
        schedule.count(admitted=True)
    now[0] += 2.0
    schedule.count(admitted=True)
    now[0] += 6.0
    assert schedule.retry_after() == RETRY_AFTER
    assert schedule.rate == 50

    # Nothing let in while phones are refused (the database held, say): one slot per place per
    # second, and past MAX_SECONDS the phones are spread over its second half.
    now[0] += 2.0
    held = [schedule.retry_after() for _ in range(1000)]
    assert schedule.rate == 2
    booked = int(ReturnSchedule.OVERBOOK * 2 * (ReturnSchedule.MAX_SECONDS - 1))  # the slots up to the cap
    assert held[:booked - 6] == sorted(held[:booked - 6]) and held[0] == RETRY_AFTER
    assert max(held) == ReturnSchedule.MAX_SECONDS
    later = held[booked + 10:]
    assert all(ReturnSchedule.MAX_SECONDS // 2 <= seconds <= ReturnSchedule.MAX_SECONDS for seconds in later)
    assert len(set(later)) > 10, "spread, not all back together"
