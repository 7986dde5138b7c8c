"""Question kinds, options and answers through the JSON export and import, and into the next meeting."""
from __future__ import annotations

import copy
import json
import re

import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Answer, Facilitator, Workshop
from facilitator.services.answer_results import choice_results, ranking_results, scale_results
from facilitator.services.answers import submit_answer
from facilitator.services.followup import plan_next_meeting
from facilitator.services.participants import join_workshop
from facilitator.services.qanda import list_panel_questions, set_answered, set_upvote
from facilitator.services.question_kinds import KindSettings, ranking_options_from, set_question_kind, settings_of
from facilitator.services.suggestions import submit_suggestion
from facilitator.exporters.transfer import InvalidImport, export_workshop, import_json

from support.factories import make_workshop


def every_kind(app, facilitator_id) -> int:
    """A live workshop with one question of each kind, all answered by three people."""
    workshop = make_workshop(app, facilitator_id, questions=[
        "Hva bør servicetorget gjøre?", "Hvilket tiltak først?", "Hvor nyttig var kvelden?",
        "Ranger forslagene", "Spørsmål til panelet"])
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        actor = db.session.get(Facilitator, facilitator_id)
        text, choice, scale, ranking, panel = w.questions
        for question in w.questions:
            question.is_open = True
        people = [join_workshop(w) for _ in range(3)]
        for n, idea in enumerate(("Lengre åpningstid", "Digital hjelp", "Felles skranke")):
            submit_suggestion(people[n], text, idea)
        set_question_kind(choice, KindSettings("choice", ["Åpningstid", "Digital hjelp", "Skranke"],
                                               multiple=True, max_choices=2, allow_other=True))
        set_question_kind(scale, KindSettings("scale", ["Innholdet", "Formen"], scale_min=1, scale_max=5,
                                              low_label="Ikke nyttig", high_label="Svært nyttig"))
        ranking_options_from(ranking, text)
        set_question_kind(panel, KindSettings("qanda"))
        for n, person in enumerate(people):
            submit_answer(person, choice, {choice.options[n].id: 1}, other_text="Buss" if n == 2 else "")
            submit_answer(person, scale, {scale.options[0].id: 3 + n % 3, scale.options[1].id: 5 - n})
            order = [option.id for option in ranking.options][n:] + [option.id for option in ranking.options][:n]
            submit_answer(person, ranking, {option_id: place for place, option_id in enumerate(order, start=1)})
        asked, _ = submit_suggestion(people[0], panel, "Hvem betaler?")
        set_upvote(people[1], asked, True)
        set_upvote(people[2], asked, True)
        set_answered(actor, asked, True)
        db.session.commit()
        return w.id


def exported(app, workshop_id):
    with app.app_context():
        return export_workshop(db.session.get(Workshop, workshop_id))


def test_every_kind_with_its_answers_survives_export_and_import(app, facilitator):
    original_id = every_kind(app, facilitator.id)
    first = exported(app, original_id)
    assert first["version"] == 5
    kinds = [q["kind"] for q in first["questions"]]
    assert kinds == ["text", "choice", "scale", "ranking", "qanda"]
    assert first["questions"][3]["ranking_source"] == "q1" and first["questions"][3]["options"][0]["suggestion"]
    assert len(first["answers"]) == 9 and [a["other_text"] for a in first["answers"] if a["other_text"]] == ["Buss"]
    assert first["suggestions"][-1]["answered_at"] and first["suggestions"][-1]["votes"] == 2
    with app.app_context():
        copy_ = import_json(json.dumps(first).encode(), db.session.get(Facilitator, facilitator.id))
        db.session.commit()
        copy_id = copy_.id
    second = exported(app, copy_id)
    for key in ("questions", "suggestions", "answers"):
        assert second[key] == first[key]
    with app.app_context():
        original, imported = db.session.get(Workshop, original_id), db.session.get(Workshop, copy_id)
        for number, results in ((1, choice_results), (2, scale_results), (3, ranking_results)):
            assert strip_ids(results(imported.questions[number])) == strip_ids(results(original.questions[number]))
        assert [(q.text, q.upvotes, q.answered) for q in list_panel_questions(imported.questions[4])] == [
            ("Hvem betaler?", 2, True)]


def strip_ids(results) -> str:
    """Results compared without the database ids, which differ between the two workshops."""
    return re.sub(r"option_id=\d+", "option_id=_", repr(results))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["answers"][0]["items"].update({"o99": 1}), "does not fit the question's options"),
    (lambda d: d["answers"][3].update(items={"o4": 9}), "does not fit"),
    (lambda d: d["answers"][6]["items"].update({next(iter(d["answers"][6]["items"])): 2}), "does not fit"),
    (lambda d: d["answers"].append(copy.deepcopy(d["answers"][0])), "used twice"),
    (lambda d: d["questions"][1].update(kind="poll"), "must be one of"),
    (lambda d: d["questions"][2].update(scale_max=6), "1–5, 1–7 or 0–10"),
    (lambda d: d["answers"][1].update(items={"o4": 6}), "does not fit"),
    (lambda d: d["questions"][3].update(ranking_source="q9"), "not in the file"),
    (lambda d: d["suggestions"][0].update(question="q2"), "not in the file"),
])
def test_a_file_with_answers_that_do_not_fit_is_refused_and_nothing_is_written(app, facilitator, change, message):
    data = exported(app, every_kind(app, facilitator.id))
    change(data)
    with app.app_context():
        before = db.session.scalar(select(func.count(Answer.id)))
        with pytest.raises(InvalidImport, match=message):
            import_json(json.dumps(data).encode(), db.session.get(Facilitator, facilitator.id))
        db.session.rollback()
        assert db.session.scalar(select(func.count(Answer.id))) == before
        assert db.session.scalar(select(func.count(Workshop.id))) == 1


def test_a_version_3_file_imports_as_open_text_questions(app, facilitator):
    data = exported(app, every_kind(app, facilitator.id))
    data["version"] = 3
    del data["answers"]
    for question in data["questions"]:
        for name in [key for key in question if key not in ("key", "text", "voting")]:
            del question[name]
    for suggestion in data["suggestions"]:
        del suggestion["answered_at"]
    with app.app_context():
        copy_ = import_json(json.dumps(data).encode(), db.session.get(Facilitator, facilitator.id))
        assert {q.kind for q in copy_.questions} == {"text"}


def test_the_next_meeting_carries_the_kinds_and_options_and_no_answers(app, facilitator):
    workshop_id = every_kind(app, facilitator.id)
    with app.app_context():
        old = db.session.get(Workshop, workshop_id)
        old.status = "closed"
        new, _created = plan_next_meeting(db.session.get(Facilitator, facilitator.id), old)
        db.session.commit()
        for before, after in zip(old.questions, new.questions, strict=True):
            carried, kept = settings_of(after), settings_of(before)
            if kept.ranking_source_id:
                assert carried.ranking_source_id == new.questions[0].id
                carried.ranking_source_id = kept.ranking_source_id
            assert carried == kept
        assert not any(option.suggestion_id for q in new.questions for option in q.options)
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.workshop_id == new.id)) == 0


def test_every_question_column_is_declared_or_kept_by_the_server():
    """A column added to Question is in the file (the schema's QUESTION_FIELDS or a record of its own)
    or named here as the server's own: it cannot be silently left out of a copy."""
    from facilitator.models import Question
    from facilitator.services.workshop_schema import QUESTION_FIELD_NAMES
    in_the_file = {"text", "voting_open", "voting_closed_at", "ranking_source_id"}
    servers_own = {"id", "workshop_id", "position", "is_open", "created_at"}
    columns = {column.key for column in Question.__table__.columns}
    assert columns - servers_own - in_the_file == QUESTION_FIELD_NAMES
