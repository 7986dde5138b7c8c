"""The per-process cache of workshops by code and participants by token (issue #17): a send no
longer reads either row, yet a workshop closed or deleted, or a participant removed, in this
process is refused at the very next request, and another process's change within the TTL."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, func, select, text as sql

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, Suggestion, Workshop
from facilitator.services import lookup_cache
from facilitator.services.retention import delete_workshop
from facilitator.services.tables import set_table_count
from facilitator.services.workshops import change_status
from support.forms import csrf_token_in


def send(phone, workshop, token, text="An idea"):
    url = f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}"
    return phone.post(url, data={"csrf_token": token, "text": text, "client_id": uuid.uuid4().hex},
                      headers={"HX-Request": "true"})


def stored(app, text) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.text == text))


@pytest.fixture
def token(phone, live_workshop):
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    # Warm the cache: the next send finds the workshop and the participant in it.
    assert send(phone, live_workshop, token, "Warm-up").status_code == 200
    return token


def the_participant(app, workshop) -> Participant:
    return db.session.scalar(select(Participant).where(Participant.workshop_id == workshop.id))


def test_a_send_right_after_closing_the_workshop_is_refused(app, phone, live_workshop, token):
    with app.app_context():
        change_status(db.session.get(Workshop, live_workshop.id), "closed")
        db.session.commit()
    refused = send(phone, live_workshop, token, "After the close")
    assert refused.status_code == 422
    assert "not taking suggestions" in refused.get_data(as_text=True)
    assert stored(app, "After the close") == 0


def test_a_removed_participant_cannot_send(app, phone, live_workshop, token):
    with app.app_context():
        db.session.delete(the_participant(app, live_workshop))
        db.session.commit()
    refused = send(phone, live_workshop, token, "From a removed phone")
    assert refused.status_code == 303  # to the join page: the phone must join again
    assert stored(app, "From a removed phone") == 0


def test_a_deleted_workshop_takes_no_send(app, phone, live_workshop, token):
    with app.app_context():
        delete_workshop(db.session.get(Workshop, live_workshop.id), actor=None)
        db.session.commit()
    assert send(phone, live_workshop, token, "Into the void").status_code == 404
    assert stored(app, "Into the void") == 0


def test_a_removed_table_unseats_the_cached_participant(app, phone, live_workshop, facilitator):
    with app.app_context():
        workshop = db.session.get(Workshop, live_workshop.id)
        set_table_count(db.session.get(Facilitator, facilitator.id), workshop, 2)
        db.session.flush()
        the_participant(app, live_workshop).table_id = workshop.tables[1].id
        db.session.commit()
    # The room page caches the participant at table 2 (a table with suggestions is never removed).
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    with app.app_context():
        assert lookup_cache.lookups().participant(the_participant(app, live_workshop).token)["table_id"]
    with app.app_context():
        set_table_count(db.session.get(Facilitator, facilitator.id), db.session.get(Workshop, live_workshop.id), 1)
        db.session.commit()
    # The cached row still named table 2: storing it would break the foreign key.
    assert send(phone, live_workshop, token, "After the move").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Suggestion.table_id).where(Suggestion.text == "After the move")) is None


def test_another_process_s_close_is_seen_within_the_ttl(app, phone, live_workshop, token, monkeypatch):
    monkeypatch.setattr(lookup_cache, "TTL_SECONDS", 0.0)
    with app.app_context():
        lookup_cache.lookups().clear()  # the warm-up's entries were kept for the real TTL
    assert send(phone, live_workshop, token, "Fills the cache").status_code == 200
    with app.app_context():
        # Another process: a plain UPDATE, no session events here.
        db.session.execute(sql("UPDATE workshops SET status = 'closed' WHERE id = :id"), {"id": live_workshop.id})
        db.session.commit()
    assert send(phone, live_workshop, token, "After the other close").status_code == 422
    assert stored(app, "After the other close") == 0


def test_within_the_ttl_a_cached_workshop_is_not_read_again(app, phone, live_workshop, token):
    with app.app_context():
        cached = lookup_cache.lookups().workshop(live_workshop.join_code)
    assert cached is not None and cached["status"] == "live"
    assert "event_seq" not in cached and "updated_at" not in cached  # change without the ORM


# Statements of a warm send (the cache holds the workshop and the participant), BEGINs left
# out: the question, [SQLite: the event counter,] the INSERT, the phone's own list for the
# answer. Before the cache: two more (SELECT workshops, SELECT participants). A change that
# reads them again, or adds a statement to the send, fails here.
SEND_STATEMENTS = {"sqlite": 4, "postgresql": 3}


def test_a_warm_send_runs_a_pinned_number_of_statements(app, phone, live_workshop, token):
    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert send(phone, live_workshop, token, "Counted").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    statements = [s for s in seen if not s.upper().startswith("BEGIN") and s.upper() != "SELECT 1"]
    assert not [s for s in statements if s.startswith(("SELECT workshops.", "SELECT participants."))], statements
    assert len(statements) == SEND_STATEMENTS[engine.dialect.name], "\n".join(s[:70] for s in statements)
