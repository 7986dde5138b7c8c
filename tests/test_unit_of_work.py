"""One unit of work per request: the change and what it announces are committed together, and
the room hears of a change only after its commit succeeded (facilitator.web.unit_of_work)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from facilitator.infra.extensions import db
from facilitator.models import Suggestion
from support.forms import csrf_token_in
from support.sockets import socket_client




@pytest.fixture
def published(app):
    """Every change handed to the live bus, in order, beside the database's commits."""
    log: list = []
    bus = app.extensions["live_bus"]
    deliver = bus.publish

    def publish(change):
        log.append(("publish", change))
        deliver(change)
    bus.publish = publish
    with app.app_context():
        engine = db.engine
    on_commit = lambda _connection: log.append(("commit", None))  # noqa: E731
    event.listen(engine, "commit", on_commit)
    yield log
    event.remove(engine, "commit", on_commit)
    bus.publish = deliver


def send(phone, workshop, text_sent):
    page = phone.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    return phone.post(f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}",
                      data={"csrf_token": csrf_token_in(page), "text": text_sent, "client_id": "c" * 32},
                      headers={"HX-Request": "true"})


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Suggestion))


def test_a_stored_suggestion_is_published_once_after_its_commit(app, logged_in, phone, live_workshop, published):
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()
    published.clear()

    response = send(phone, live_workshop, "Lengre åpningstider")

    assert response.status_code == 200 and "Lengre åpningstider" in response.get_data(as_text=True)
    publishes = [change for what, change in published if what == "publish"]
    assert len(publishes) == 1
    [item] = publishes[0]["suggestions"]
    assert "Lengre åpningstider" in item["html"]
    # Published after the commit that stored it, never before.
    assert [what for what, _ in published][-2:] == ["commit", "publish"]
    [pushed] = [e["args"][0] for e in projector.get_received() if e["name"] == "suggestions"]
    assert [i["id"] for i in pushed["items"]] == [item["id"]]


def test_a_send_reads_its_answer_in_its_own_transaction(app, phone, live_workshop):
    """The phone's own list is rendered before the commit: one transaction per send, not a second
    one after the commit to read what was just written."""
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    with app.app_context():
        engine = db.engine
    begun: list = []
    on_begin = lambda _connection: begun.append(1)  # noqa: E731
    event.listen(engine, "begin", on_begin)
    try:
        response = phone.post(f"/j/{live_workshop.join_code}/q/{live_workshop.question_ids[0]}",
                              data={"csrf_token": csrf_token_in(page), "text": "Én transaksjon"},
                              headers={"HX-Request": "true"})
    finally:
        event.remove(engine, "begin", on_begin)
    assert response.status_code == 200 and "Én transaksjon" in response.get_data(as_text=True)
    assert len(begun) == 1


def test_a_failed_commit_announces_nothing_stores_nothing_and_says_so(app, logged_in, phone, live_workshop,
                                                                    published):
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    phone.post(f"/j/{live_workshop.join_code}/language", data={"csrf_token": csrf_token_in(page), "locale": "nb"})
    published.clear()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def violate_a_constraint(session):
        # A real error from the database while committing: the suggestion just inserted, once more
        # under the same primary key.
        if session.new or session.info.get("announcements.pending"):
            session.execute(text("INSERT INTO suggestions SELECT * FROM suggestions"))
    event.listen(Session, "before_commit", violate_a_constraint)
    try:
        response = send(phone, live_workshop, "Dette lagres ikke")
    finally:
        event.remove(Session, "before_commit", violate_a_constraint)

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    with app.test_request_context(), force_locale("nb"):
        message = gettext("Something went wrong")
    assert message != "Something went wrong" and message in body
    assert "Dette lagres ikke" not in body  # not the phone's "sent" answer with its own list
    assert stored(app) == 0
    assert [what for what, _ in published if what == "publish"] == []
    assert [e for e in projector.get_received() if e["name"] == "suggestions"] == []


def test_a_refused_change_is_rolled_back_with_what_it_announced(app):
    """A rollback drops what the transaction recorded; the next commit does not announce it."""
    from facilitator.services import announcements
    from facilitator.services.announcements import Announcement
    with app.app_context():
        announcements.record(Announcement(announcements.STAGE, 1))
        db.session.rollback()
        announcements.record(Announcement(announcements.CONSOLE, 1))
        db.session.commit()
        assert announcements.take_committed() == [Announcement(announcements.CONSOLE, 1)]
        assert announcements.take_committed() == []
