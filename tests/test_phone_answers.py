"""The phone answers choice, scale and ranking questions and upvotes questions to the panel, over HTTP:
plain forms without JavaScript, htmx with it, one answer per person under concurrent requests."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Answer, AnswerItem, Workshop
from facilitator.services.question_kinds import KindSettings, set_question_kind

from support.forms import csrf_token_in, join
from support.sockets import socket_client
from support.factories import make_workshop

HTMX = {"HX-Request": "true"}


@pytest.fixture
def room(app, facilitator):
    """A live workshop whose open questions are a choice, a 1–5 scale, a ranking and a Q&A."""
    workshop = make_workshop(app, facilitator.id, questions=["Hvilket tiltak?", "Hvor nyttig?", "Ranger", "Panel"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        choice, scale, ranking, panel = w.questions
        set_question_kind(choice, KindSettings("choice", ["Buss", "Sykkel", "Gange"], allow_other=True))
        set_question_kind(scale, KindSettings("scale", [], low_label="Ikke nyttig", high_label="Svært nyttig"))
        set_question_kind(ranking, KindSettings("ranking", ["A", "B", "C"]))
        set_question_kind(panel, KindSettings("qanda"))
        for question in w.questions:
            question.is_open = True
        db.session.commit()
        workshop.options = {q.id: [o.id for o in q.options] for q in w.questions}
    return workshop


def phone_of(app, room):
    client = app.test_client()
    page = join(client, room)
    return client, csrf_token_in(page)


def stored(app, question_id):
    with app.app_context():
        return (db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question_id)),
                sorted(db.session.execute(select(AnswerItem.option_id, AnswerItem.value).join(Answer)
                                          .where(Answer.question_id == question_id)).all()))


def test_a_phone_without_javascript_answers_changes_and_sees_the_results(app, room):
    client, token = phone_of(app, room)
    choice = room.question_ids[0]
    bus, bike, _walk = room.options[choice]
    url = f"/j/{room.join_code}/a/{choice}"
    page = client.get(f"/j/{room.join_code}").get_data(as_text=True)
    assert 'type="radio" name="option"' in page and "Hvor nyttig?" in page and 'name="rate-' in page
    response = client.post(url, data={"csrf_token": token, "option": str(bus), "client_id": "one"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. You can change your answer until the question closes." in page
    assert "1 person has answered" in page and "1 · 100 %" in page
    client.post(url, data={"csrf_token": token, "option": str(bike), "client_id": "two"})
    assert stored(app, choice) == (1, [(bike, 1)])


def test_a_refused_answer_keeps_the_choices_and_stores_nothing(app, room):
    client, token = phone_of(app, room)
    ranking = room.question_ids[2]
    a, b, c = room.options[ranking]
    data = {"csrf_token": token, f"rank-{a}": "1", f"rank-{b}": "1", f"rank-{c}": "3", "client_id": "r1"}
    for headers in ({}, HTMX):
        response = client.post(f"/j/{room.join_code}/a/{ranking}", data=data, headers=headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Two options have the same place. Give each option a different place." in page
        assert re.search(rf'name="rank-{c}">\s*<option value="">–</option>.*?<option value="3" selected>', page, re.S)
    response = client.post(f"/j/{room.join_code}/a/{room.question_ids[1]}",
                           data={"csrf_token": token, f"rate-{room.options[room.question_ids[1]][0]}": "six"},
                           headers=HTMX)
    assert response.status_code == 422 and "Please use whole numbers." in response.get_data(as_text=True)
    assert stored(app, ranking) == (0, []) and stored(app, room.question_ids[1]) == (0, [])


def test_an_option_of_another_question_is_refused(app, room):
    client, token = phone_of(app, room)
    choice, scale = room.question_ids[:2]
    response = client.post(f"/j/{room.join_code}/a/{choice}", headers=HTMX,
                           data={"csrf_token": token, "option": str(room.options[scale][0])})
    assert response.status_code == 422 and "not one of this question's options" in response.get_data(as_text=True)
    assert stored(app, choice) == (0, [])


def test_htmx_answer_says_saved_and_a_retry_is_stored_once(app, room):
    client, token = phone_of(app, room)
    scale = room.question_ids[1]
    [statement] = room.options[scale]
    data = {"csrf_token": token, f"rate-{statement}": "4", "client_id": "same-send"}
    for _ in range(3):
        response = client.post(f"/j/{room.join_code}/a/{scale}", data=data, headers=HTMX)
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="q-{}-answer"'.format(scale) in page and "Saved." in page
    assert "Mean 4.0 of 1 answers" in page or "Mean 4 of 1 answers" in page
    assert stored(app, scale) == (1, [(statement, 4)])


def test_results_stay_hidden_on_the_phone_until_revealed(app, room):
    with app.app_context():
        db.session.get(Workshop, room.id).results_hidden = True
        db.session.commit()
    client, token = phone_of(app, room)
    choice = room.question_ids[0]
    response = client.post(f"/j/{room.join_code}/a/{choice}", headers=HTMX,
                           data={"csrf_token": token, "option": str(room.options[choice][0])})
    page = response.get_data(as_text=True)
    assert "Saved." in page and "Results so far" not in page


def a_question_to_the_panel(app, room):
    """Two phones; the first asks the panel a question. Returns both phones and the question's id."""
    asker, asker_token = phone_of(app, room)
    voter, voter_token = phone_of(app, room)
    panel = room.question_ids[3]
    asker.post(f"/j/{room.join_code}/q/{panel}", data={"csrf_token": asker_token, "text": "Hvem betaler?"})
    page = voter.get(f"/j/{room.join_code}").get_data(as_text=True)
    return (asker, asker_token), (voter, voter_token), re.search(r"/up/(\d+)", page).group(1)


def test_questions_to_the_panel_are_asked_and_upvoted_once_per_person(app, room):
    (asker, asker_token), (voter, voter_token), suggestion_id = a_question_to_the_panel(app, room)
    url = f"/j/{room.join_code}/up/{suggestion_id}"
    for _ in range(2):  # a retried tap
        response = voter.post(url, data={"csrf_token": voter_token, "up": "1"}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'aria-pressed="true"' in page and re.search(r'class="count"[^>]*>1</span>', page)
    response = voter.post(url, data={"csrf_token": voter_token, "up": "0"}, headers=HTMX)
    assert re.search(r'class="count"[^>]*>0</span>', response.get_data(as_text=True))
    choice = room.question_ids[0]
    response = asker.post(f"/j/{room.join_code}/q/{choice}", data={"csrf_token": asker_token, "text": "tekst"},
                          headers=HTMX)
    assert response.status_code == 422


def test_every_phone_hears_the_new_upvote_count(app, room):
    """Another phone's upvote moves the count on this phone without a reload (numbers only,
    pushed to the whole room); taking it back moves it down again."""
    (asker, asker_token), (voter, voter_token), suggestion_id = a_question_to_the_panel(app, room)
    page = asker.get(f"/j/{room.join_code}").get_data(as_text=True)
    assert f'data-upvotes-of="{suggestion_id}">0</span>' in page
    listener = socket_client(app, asker, room)
    listener.get_received()
    heard = []
    for up in ("1", "0"):
        voter.post(f"/j/{room.join_code}/up/{suggestion_id}", data={"csrf_token": voter_token, "up": up},
                   headers=HTMX)
        heard += [event["args"][0]["counts"] for event in listener.get_received() if event["name"] == "upvotes"]
    assert heard == [{suggestion_id: 1}, {suggestion_id: 0}]
    listener.disconnect()


# Threads need a real database: in-memory SQLite is one connection shared by all.
@pytest.mark.parametrize("app", ["file", "postgres"], indirect=True)
def test_one_answer_per_person_when_requests_race(app, room):
    client, token = phone_of(app, room)
    cookie = client.get_cookie("session").value
    choice = room.question_ids[0]
    options = room.options[choice]

    def send(n):
        phone = app.test_client()
        phone.set_cookie("session", cookie)
        return phone.post(f"/j/{room.join_code}/a/{choice}", headers=HTMX,
                          data={"csrf_token": token, "option": str(options[n % 3]), "client_id": f"send-{n}"}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(send, range(12)))
    assert all(status in (200, 503) for status in statuses), statuses
    count, items = stored(app, choice)
    assert count == 1 and len(items) == 1


def test_the_questions_to_the_panel_are_refetched_alone(app, room):
    asker, token = phone_of(app, room)
    panel = room.question_ids[3]
    asker.post(f"/j/{room.join_code}/q/{panel}", data={"csrf_token": token, "text": "Hvem betaler?"})
    response = asker.get(f"/j/{room.join_code}/panel/{panel}", headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="q-{}-panel"'.format(panel) in page and "Hvem betaler?" in page
    stranger = app.test_client()
    response = stranger.get(f"/j/{room.join_code}/panel/{panel}", headers=HTMX)
    assert response.headers.get("HX-Refresh") == "true" and "Hvem betaler?" not in response.get_data(as_text=True)
    choice = room.question_ids[0]
    assert asker.get(f"/j/{room.join_code}/panel/{choice}", headers=HTMX).headers.get("HX-Refresh") == "true"
