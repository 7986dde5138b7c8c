"""A phone's send limit counts what it chose to send, not what it had to repeat: a retry of a send
the server already stored, and a send refused while the database was away, are free."""
from __future__ import annotations

import sqlite3
import uuid

import pytest

from support.forms import csrf_token_in

# The per-phone limit (limits.SUGGESTIONS_PER_PARTICIPANT) is 20 per minute.
BUDGET = 20


def send(phone, workshop, token, text, client_id=None):
    url = f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}"
    return phone.post(url, data={"csrf_token": token, "text": text, "client_id": client_id or uuid.uuid4().hex},
                      headers={"HX-Request": "true"})


def test_retries_of_a_stored_send_do_not_spend_the_budget(phone, live_workshop):
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    client_id = uuid.uuid4().hex
    # A phone on a bad network repeats one send many times; it is stored once and costs one.
    for _ in range(BUDGET + 5):
        assert send(phone, live_workshop, token, "Sent once, retried often", client_id).status_code == 200
    statuses = [send(phone, live_workshop, token, f"New idea {n}").status_code for n in range(BUDGET - 1)]
    assert statuses == [200] * (BUDGET - 1)
    # Past the real budget the flood guard still works.
    assert send(phone, live_workshop, token, "One too many").status_code == 429


@pytest.mark.parametrize("app", ["file"], indirect=True)
def test_a_send_refused_while_the_database_was_away_is_free(app, phone, live_workshop):
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    for n in range(BUDGET - 1):
        assert send(phone, live_workshop, token, f"Idea {n}").status_code == 200
    # Another process holds SQLite's write lock for longer than the busy timeout.
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    lock = sqlite3.connect(path, timeout=30, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        refused = send(phone, live_workshop, token, "Sent while the database was away")
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert refused.status_code == 503
    # The outbox's retry is the twentieth send, not the twenty-first.
    assert send(phone, live_workshop, token, "Sent while the database was away").status_code == 200
