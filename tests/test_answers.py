"""Multiple choice, scales and ranking at the level of the domain functions: one current answer per
participant, retries stored once, bounds refused with a message and nothing stored, results."""
from __future__ import annotations

from threading import Barrier, Thread

import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Answer, AnswerItem, Participant, Question, Workshop
from facilitator.services import DomainError
from facilitator.services.answer_results import choice_results, ranking_results, scale_results
from facilitator.services.answers import own_values, submit_answer, values_from_form
from facilitator.services.participants import join_workshop
from facilitator.services.question_kinds import KindSettings, set_question_kind
from werkzeug.datastructures import MultiDict

from support.factories import make_workshop


@pytest.fixture
def kinds(app, facilitator):
    """A live workshop whose three questions are a choice, a 0–10 scale and a ranking, all open,
    with four participants."""
    workshop = make_workshop(app, facilitator.id, questions=["Which first?", "How useful?", "Order these"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        choice, scale, ranking = w.questions
        set_question_kind(choice, KindSettings("choice", ["Bus", "Bike", "Walk"], allow_other=True))
        set_question_kind(scale, KindSettings("scale", [], scale_min=0, scale_max=10,
                                              low_label="Not at all", high_label="Very"))
        set_question_kind(ranking, KindSettings("ranking", ["A", "B", "C"]))
        for question in w.questions:
            question.is_open = True
        for _ in range(4):
            join_workshop(w)
        db.session.commit()
    return workshop


def load(workshop_id):
    w = db.session.get(Workshop, workshop_id)
    people = db.session.scalars(select(Participant).where(Participant.workshop_id == w.id)
                                .order_by(Participant.id)).all()
    return w, w.questions, people


def options(question: Question) -> list[int]:
    return [option.id for option in question.options]


def stored(question_id: int) -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question_id)),
            db.session.scalar(select(func.count(AnswerItem.id)).join(Answer)
                              .where(Answer.question_id == question_id)))


def test_a_changed_answer_replaces_the_old_one_and_counts_once(app, kinds):
    with app.app_context():
        _w, (choice, _scale, _ranking), people = load(kinds.id)
        bus, bike, _walk = options(choice)
        submit_answer(people[0], choice, {bus: 1}, client_id="a1")
        submit_answer(people[0], choice, {bike: 1}, client_id="a2")
        submit_answer(people[1], choice, {}, other_text="Ferry", client_id="b1")
        db.session.commit()
        results = choice_results(choice)
        assert results.respondents == 2
        assert [(o.text, o.count, o.percent) for o in results.options] == [
            ("Bus", 0, 0), ("Bike", 1, 50), ("Walk", 0, 0), ("", 1, 50)]
        assert results.other_texts == ["Ferry"]
        assert own_values(people[0], choice) == ({bike: 1}, "")


def test_a_retried_send_is_stored_once_and_does_not_undo_a_later_change(app, kinds):
    with app.app_context():
        _w, (choice, _scale, _ranking), people = load(kinds.id)
        bus, bike, _walk = options(choice)
        first, changed = submit_answer(people[0], choice, {bus: 1}, client_id="same")
        again, changed_again = submit_answer(people[0], choice, {bus: 1}, client_id="same")
        assert changed and not changed_again and again.id == first.id
        db.session.commit()
        assert stored(choice.id) == (1, 1)


@pytest.mark.parametrize("kind_index, values, message", [
    (0, "foreign", "not one of this question's options"),
    (0, {}, "choose an answer"),
    (0, "two", "one answer only"),
    (1, {"first": 11}, "from 0 to 10"),
    (1, {"first": -1}, "from 0 to 10"),
    (2, {"first": 1, "second": 1, "third": 2}, "same place"),
    (2, {"first": 1, "second": 2}, "every option a place"),
    (2, {"first": 1, "second": 2, "third": 4}, "every option a place"),
])
def test_bounds_are_refused_with_a_message_and_nothing_is_stored(app, kinds, kind_index, values, message):
    with app.app_context():
        _w, questions, people = load(kinds.id)
        question = questions[kind_index]
        ids = options(question)
        if values == "foreign":  # an option of another question of the same workshop
            values = {options(questions[2])[0]: 1}
        elif values == "two":
            values = {ids[0]: 1, ids[1]: 1}
        else:
            names = ("first", "second", "third")
            values = {ids[names.index(name)] if name in names else name: value for name, value in values.items()}
        with pytest.raises(DomainError, match=message):
            submit_answer(people[0], question, values, client_id="x")
        db.session.rollback()
        assert stored(question.id) == (0, 0)


def test_multiple_choice_keeps_its_maximum_and_other_needs_switching_on(app, kinds):
    with app.app_context():
        w, (choice, _scale, ranking), people = load(kinds.id)
        set_question_kind(choice, KindSettings("choice", ["Bus", "Bike", "Walk"], multiple=True, max_choices=2))
        bus, bike, walk = options(choice)
        with pytest.raises(DomainError, match="at most 2 answers"):
            submit_answer(people[0], choice, {bus: 1, bike: 1, walk: 1})
        with pytest.raises(DomainError, match="no “other” answer"):
            submit_answer(people[0], choice, {bus: 1}, other_text="Ferry")
        submit_answer(people[0], choice, {bus: 1, walk: 1})
        db.session.commit()
        assert [(o.count, o.percent) for o in choice_results(choice).options] == [(1, 100), (0, 0), (1, 100)]


def test_a_closed_question_and_another_workshops_question_take_no_answer(app, kinds, facilitator):
    other = make_workshop(app, facilitator.id, questions=["Open text?"])
    with app.app_context():
        w, (choice, _scale, _ranking), people = load(kinds.id)
        choice.is_open = False
        with pytest.raises(DomainError, match="closed"):
            submit_answer(people[0], choice, {options(choice)[0]: 1})
        text_question = db.session.get(Workshop, other.id).questions[0]
        with pytest.raises(DomainError, match="another workshop"):
            submit_answer(people[0], text_question, {})


def test_scale_results_give_the_distribution_the_mean_and_the_shares_of_a_zero_to_ten_score(app, kinds):
    with app.app_context():
        _w, (_choice, scale, _ranking), people = load(kinds.id)
        [statement] = options(scale)
        for person, value in zip(people, (10, 9, 7, 3), strict=True):
            submit_answer(person, scale, {statement: value})
        db.session.commit()
        results = scale_results(scale)
        [row] = results.statements
        assert (results.scale_min, results.scale_max, results.low_label) == (0, 10, "Not at all")
        assert dict(row.distribution)[9] == 1 and len(row.distribution) == 11
        assert (row.count, row.mean) == (4, 7.25)
        assert (row.promoters, row.passives, row.detractors, row.net_score) == (50, 25, 25, 25)


def test_ranking_results_are_a_borda_count_with_the_full_distribution(app, kinds):
    with app.app_context():
        _w, (_choice, _scale, ranking), people = load(kinds.id)
        a, b, c = options(ranking)
        submit_answer(people[0], ranking, {a: 1, b: 2, c: 3})
        submit_answer(people[1], ranking, {b: 1, a: 2, c: 3})
        submit_answer(people[2], ranking, {b: 1, c: 2, a: 3})
        db.session.commit()
        results = ranking_results(ranking)
        assert [(o.text, o.score, o.place, o.places) for o in results.options] == [
            ("B", 5, 1, [2, 1, 0]), ("A", 3, 2, [1, 1, 1]), ("C", 1, 3, [0, 1, 2])]


def test_a_form_with_text_for_a_number_is_refused_with_a_message(app, kinds):
    with app.app_context():
        _w, (_choice, scale, ranking), _people = load(kinds.id)
        with pytest.raises(DomainError, match="whole numbers"):
            values_from_form(ranking, MultiDict({f"rank-{options(ranking)[0]}": "first"}))
        assert values_from_form(scale, MultiDict({f"rate-{options(scale)[0]}": "7"})) == (
            {options(scale)[0]: 7}, "")


# Threads need a real database: in-memory SQLite is one connection shared by all.
@pytest.mark.parametrize("app", ["file", "postgres"], indirect=True)
def test_one_answer_per_participant_when_two_phones_of_one_person_answer_at_once(app, kinds):
    with app.app_context():
        _w, (choice, _scale, _ranking), people = load(kinds.id)
        person_id, question_id, option_ids = people[0].id, choice.id, options(choice)
    barrier, errors = Barrier(6), []

    def tap(n):
        with app.app_context():
            barrier.wait()
            try:
                submit_answer(db.session.get(Participant, person_id), db.session.get(Question, question_id),
                              {option_ids[n % 3]: 1}, client_id=f"send-{n}")
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - any failure is the test's finding
                db.session.rollback()
                errors.append(error)
    threads = [Thread(target=tap, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert stored(question_id) == (1, 1)
        assert choice_results(db.session.get(Question, question_id)).respondents == 1
    # On SQLite a writer may find the database locked past its timeout; it fails cleanly,
    # and what is stored is still one answer.
    assert all("locked" in str(error) for error in errors), errors
