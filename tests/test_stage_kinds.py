"""The projector's stage and the console for choice, scale, ranking and Q&A questions: the figures as
text beside server-drawn SVG bars, hidden until revealed, pushed live after each answer."""
from __future__ import annotations

import pytest

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Workshop
from facilitator.services.answers import submit_answer
from facilitator.services.participants import join_workshop
from facilitator.services.qanda import pin_for_panel, set_upvote
from facilitator.services.question_kinds import KindSettings, set_question_kind
from facilitator.services.questions import show_question
from facilitator.services.suggestions import submit_suggestion

from support.sockets import socket_client
from support.forms import csrf_token_in, join
from support.factories import make_workshop


@pytest.fixture
def answered(app, facilitator):
    """Four questions of the other kinds, answered by three people; the scale is on the projector."""
    workshop = make_workshop(app, facilitator.id, questions=["Hvilket tiltak?", "Hvor nyttig?", "Ranger", "Panel"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        choice, scale, ranking, panel = w.questions
        set_question_kind(choice, KindSettings("choice", ["Buss", "Sykkel"]))
        set_question_kind(scale, KindSettings("scale", [], scale_min=0, scale_max=10))
        set_question_kind(ranking, KindSettings("ranking", ["A", "B", "C"]))
        set_question_kind(panel, KindSettings("qanda"))
        for question in w.questions:
            question.is_open = True
        people = [join_workshop(w) for _ in range(3)]
        for n, person in enumerate(people):
            submit_answer(person, choice, {choice.options[min(n, 1)].id: 1})
            submit_answer(person, scale, {scale.options[0].id: (10, 9, 3)[n]})
            submit_answer(person, ranking, {o.id: place for place, o in enumerate(ranking.options, start=1)})
        first, _ = submit_suggestion(people[0], panel, "Hvem betaler?")
        second, _ = submit_suggestion(people[1], panel, "Når starter det?")
        set_upvote(people[2], second, True)
        pin_for_panel(db.session.get(Facilitator, facilitator.id), first)
        db.session.commit()
    return workshop


def stage_of(app, logged_in, workshop, index):
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        show_question(w, w.questions[index])
        db.session.commit()
    return logged_in.get(f"/projector/{workshop.join_code}/stage").get_data(as_text=True)


def test_each_kind_shows_its_figures_as_text_beside_svg_bars(app, logged_in, answered):
    stage = stage_of(app, logged_in, answered, 0)
    assert 'data-testid="choice-chart"' in stage and "<svg" in stage
    assert "Buss" in stage and "1 · 33 %" in stage and "2 · 67 %" in stage and "3 people have answered" in stage
    stage = stage_of(app, logged_in, answered, 1)
    assert 'data-testid="scale-chart"' in stage and "Mean 7.33 of 3 answers" in stage
    assert "9–10: 67 % · 7–8: 0 % · 0–6: 33 % · score +34" in stage
    stage = stage_of(app, logged_in, answered, 2)
    assert 'data-testid="ranking-chart"' in stage and "6 points" in stage and "0 points" in stage
    stage = stage_of(app, logged_in, answered, 3)
    assert 'data-testid="stage-pinned"' in stage and "Hvem betaler?" in stage
    assert "Når starter det?" in stage and "▲ 1" in stage


def test_hidden_results_show_only_how_many_answered(app, logged_in, answered):
    with app.app_context():
        db.session.get(Workshop, answered.id).results_hidden = True
        db.session.commit()
    stage = stage_of(app, logged_in, answered, 0)
    assert "Answers are hidden until the facilitator reveals them." in stage
    assert "3 people have answered" in stage and "Buss" not in stage
    stage = stage_of(app, logged_in, answered, 3)
    assert "Questions are hidden" in stage and "Hvem betaler?" not in stage


def test_an_answer_pushes_the_new_bars_to_the_projector_and_the_count_to_the_console(app, logged_in, answered):
    stage_of(app, logged_in, answered, 0)
    screen = socket_client(app, logged_in.client, answered)
    screen.get_received()
    phone = app.test_client()
    token = csrf_token_in(join(phone, answered))
    with app.app_context():
        choice = db.session.get(Workshop, answered.id).questions[0]
        option_id = choice.options[0].id
    response = phone.post(f"/j/{answered.join_code}/a/{choice.id}", data={"csrf_token": token, "option": str(option_id)},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    received = screen.get_received()
    stages = [event for event in received if event["name"] == "stage"]
    assert stages and "2 · 50 %" in stages[-1]["args"][0]["html"], [e["name"] for e in received]
    assert any(event["name"] == "console" for event in received)
    page = logged_in.get(f"/host/workshops/{answered.id}").get_data(as_text=True)
    assert "Answers: 4 of 4 joined" in page

