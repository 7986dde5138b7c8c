"""PostgreSQL without pool_pre_ping (issue #17): a pooled connection the server killed costs at
most one clean 503 with Retry-After, never a 500, and the phone's retry is stored once."""
from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Suggestion
from support.forms import csrf_token_in, join

pytestmark = pytest.mark.parametrize("app", ["postgres"], indirect=True)


def send(phone, workshop, token, text, client_id):
    url = f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}"
    return phone.post(url, data={"csrf_token": token, "text": text, "client_id": client_id},
                      headers={"HX-Request": "true"})


def kill_app_connections(app) -> int:
    """What a PostgreSQL restart or an idle-connection killer does to the app's pool."""
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        return len(admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = 'facilitator'").fetchall())


def test_the_pool_does_not_ping(app):
    with app.app_context():
        assert db.engine.pool._pre_ping is False
        assert db.engine.pool._recycle == 1800


def test_a_killed_pooled_connection_gives_a_clean_503_then_the_retry_is_stored_once(app, phone, live_workshop):
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    assert send(phone, live_workshop, token, "Before", uuid.uuid4().hex).status_code == 200
    assert kill_app_connections(app) >= 1
    client_id = uuid.uuid4().hex
    # TESTING propagates unhandled exceptions: a 500 would raise here instead of answering.
    first = send(phone, live_workshop, token, "Across the kill", client_id)
    assert first.status_code in (200, 503), first.status_code
    if first.status_code == 503:
        assert first.headers["Retry-After"]
    # The outbox's retry (same client id) goes through on a fresh connection, and so does the next.
    assert send(phone, live_workshop, token, "Across the kill", client_id).status_code == 200
    assert send(phone, live_workshop, token, "After", uuid.uuid4().hex).status_code == 200
    assert phone.get(f"/j/{live_workshop.join_code}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Suggestion.id))
                                 .where(Suggestion.text == "Across the kill")) == 1


def test_a_kill_while_idle_costs_one_request_not_one_per_pooled_connection(app, live_workshop):
    phones = [app.test_client() for _ in range(4)]
    for phone in phones:
        join(phone, live_workshop)
    tokens = [csrf_token_in(p.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)) for p in phones]
    kill_app_connections(app)
    statuses = [send(p, live_workshop, t, f"Idea {n}", uuid.uuid4().hex).status_code
                for n, (p, t) in enumerate(zip(phones, tokens, strict=True))]
    assert statuses.count(503) <= 1 and set(statuses) <= {200, 503}, statuses
