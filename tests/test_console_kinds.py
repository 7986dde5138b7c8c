"""The console prepares questions of every kind: plain forms that work without JavaScript."""
from __future__ import annotations

from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.question_kinds import settings_of

from support.factories import make_workshop


def kinds_of(app, workshop_id):
    with app.app_context():
        return [(q.text, settings_of(q)) for q in db.session.get(Workshop, workshop_id).questions]


def test_a_facilitator_adds_a_question_of_each_kind(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft", questions=["Hva bør vi gjøre?"])
    console = f"/host/workshops/{workshop.id}"
    added = [
        {"text": "Hvilket tiltak først?", "kind": "choice", "options": "Åpningstid\r\nDigital hjelp\r\nSkranke",
         "multiple": "y", "max_choices": "2", "allow_other": "y"},
        {"text": "Hvor nyttig var kvelden?", "kind": "scale", "scale": "1-5", "low_label": "Ikke nyttig",
         "high_label": "Svært nyttig"},
        {"text": "Ranger forslagene", "kind": "ranking", "options": "A\nB\nC"},
        {"text": "Spørsmål til panelet", "kind": "qanda", "premoderated": "y"},
    ]
    for data in added:
        assert logged_in.submit(console, f"{console}/questions", data).status_code == 303
    stored = dict(kinds_of(app, workshop.id))
    choice = stored["Hvilket tiltak først?"]
    assert (choice.kind, choice.options, choice.multiple, choice.max_choices, choice.allow_other) == (
        "choice", ["Åpningstid", "Digital hjelp", "Skranke"], True, 2, True)
    scale = stored["Hvor nyttig var kvelden?"]
    assert (scale.kind, scale.scale_min, scale.scale_max, scale.low_label, scale.options) == (
        "scale", 1, 5, "Ikke nyttig", [""])
    assert stored["Ranger forslagene"].options == ["A", "B", "C"]
    assert stored["Spørsmål til panelet"].premoderated
    page = logged_in.get(console).get_data(as_text=True)
    assert "Multiple choice" in page and "Answers: 0 of 0 joined" in page


def test_a_refused_kind_keeps_what_was_typed_and_stores_nothing(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft", questions=["A?"])
    console = f"/host/workshops/{workshop.id}"
    data = {"text": "Hvilket tiltak først?", "kind": "choice", "options": "Bare ett alternativ"}
    for headers in ({}, {"HX-Request": "true"}):
        response = logged_in.submit(console, f"{console}/questions", data, headers=headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Give between 2 and 12 options, one per line." in page
        assert "Hvilket tiltak først?" in page and "Bare ett alternativ" in page
    assert [text for text, _settings in kinds_of(app, workshop.id)] == ["A?"]


def test_a_question_changes_kind_from_its_own_form_and_a_ranking_takes_suggestions(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft", questions=["Ideer?", "Ranger"])
    first, second = workshop.question_ids
    console = f"/host/workshops/{workshop.id}"
    url = f"{console}/questions/{second}/kind"
    response = logged_in.submit(console, url, {f"q{second}-kind": "scale", f"q{second}-scale": "0-10"})
    assert response.status_code == 303
    assert kinds_of(app, workshop.id)[1][1].scale_max == 10
    response = logged_in.submit(console, url, {f"q{second}-kind": "ranking", f"q{second}-ranking_source": str(first)},
                                headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "That question has fewer than 2 suggestions to rank." in response.get_data(as_text=True)
    assert kinds_of(app, workshop.id)[1][1].kind == "scale"


def test_the_facilitator_pins_one_question_to_the_panel_at_a_time_and_marks_it_answered(app, facilitator, logged_in):
    from facilitator.services.participants import join_workshop
    from facilitator.services.question_kinds import KindSettings, set_question_kind
    from facilitator.services.suggestions import submit_suggestion
    from facilitator.models import Suggestion
    from facilitator.services.qanda import list_panel_questions
    workshop = make_workshop(app, facilitator.id, questions=["Panel"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        panel = w.questions[0]
        set_question_kind(panel, KindSettings("qanda"))
        panel.is_open = True
        person = join_workshop(w)
        first, second = (submit_suggestion(person, panel, text)[0].id for text in ("Hvem betaler?", "Når?"))
        db.session.commit()
    board = f"/host/workshops/{workshop.id}/suggestions?question={panel.id}"
    page = logged_in.get(board).get_data(as_text=True)
    assert "Mark answered" in page
    for pinned in (first, second):
        logged_in.submit(board, f"/host/workshops/{workshop.id}/suggestions/{pinned}/pin")
    with app.app_context():
        assert [s.id for s in db.session.scalars(db.select(Suggestion).where(Suggestion.pinned.is_(True)))] == [second]
    response = logged_in.submit(board, f"/host/workshops/{workshop.id}/suggestions/{second}/answered",
                                headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Not answered yet" in response.get_data(as_text=True)
    with app.app_context():
        items = list_panel_questions(db.session.get(Workshop, workshop.id).questions[0])
        assert [(i.text, i.pinned, i.answered) for i in items] == [("Hvem betaler?", False, False), ("Når?", False, True)]


def test_other_answers_are_moderated_like_suggestions(app, facilitator, logged_in):
    from facilitator.services.answer_results import choice_results
    from facilitator.services.answers import submit_answer
    from facilitator.services.participants import join_workshop
    from facilitator.services.question_kinds import KindSettings, set_question_kind
    workshop = make_workshop(app, facilitator.id, questions=["Hvilket tiltak?"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        w.moderation = "pre"
        question = w.questions[0]
        set_question_kind(question, KindSettings("choice", ["Buss", "Bil"], allow_other=True))
        question.is_open = True
        answer, _ = submit_answer(join_workshop(w), question, {}, other_text="Ferje")
        db.session.commit()
        answer_id, question_id = answer.id, question.id
        assert choice_results(question).other_texts == [] and choice_results(question).options[-1].count == 1

    def other_texts():
        with app.app_context():
            return choice_results(db.session.get(Workshop, workshop.id).questions[0]).other_texts

    board = f"/host/workshops/{workshop.id}/suggestions?question={question_id}"
    page = logged_in.get(board).get_data(as_text=True)
    assert "Ferje" in page and "Waiting for approval" in page
    logged_in.submit(board, f"/host/workshops/{workshop.id}/answers/{answer_id}/show")
    assert other_texts() == ["Ferje"]
    response = logged_in.submit(board, f"/host/workshops/{workshop.id}/answers/{answer_id}/hide",
                                headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Show again" in response.get_data(as_text=True)
    assert other_texts() == []
    other = make_workshop(app, facilitator.id, questions=["Annet?"])
    assert logged_in.submit(board, f"/host/workshops/{other.id}/answers/{answer_id}/show").status_code == 404
