"""Preparing questions of each kind, and questions to the panel, at the level of the domain functions."""
from __future__ import annotations

import pytest

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, Suggestion, SuggestionStatus, Workshop
from facilitator.services import DomainError
from facilitator.services.answers import submit_answer
from facilitator.services.participants import join_workshop
from facilitator.services.qanda import list_panel_questions, pin_for_panel, set_answered, set_upvote
from facilitator.services.question_kinds import (
    KindSettings, ranking_options_from, set_question_kind, settings_of,
)
from facilitator.services.suggestions import submit_suggestion

from support.factories import make_workshop


@pytest.fixture
def workshop(app, facilitator):
    return make_workshop(app, facilitator.id, questions=["What?", "Then what?"])


@pytest.mark.parametrize("settings, message", [
    (KindSettings("poll"), "what kind of question"),
    (KindSettings("choice", ["Only one"]), "between 2 and 12 options"),
    (KindSettings("choice", [f"Option {n}" for n in range(13)]), "between 2 and 12 options"),
    (KindSettings("choice", ["Same", "same"]), "there twice"),
    (KindSettings("choice", ["A", "B"], multiple=True, max_choices=3), "from 1 to 2"),
    (KindSettings("scale", scale_min=1, scale_max=6), "1–5, 1–7 or 0–10"),
    (KindSettings("scale", low_label="x" * 81), "shorten"),
    (KindSettings("ranking", ["Alone"]), "between 2 and 12 options"),
])
def test_settings_out_of_bounds_are_refused_and_change_nothing(app, workshop, settings, message):
    with app.app_context():
        question = db.session.get(Workshop, workshop.id).questions[0]
        with pytest.raises(DomainError, match=message):
            set_question_kind(question, settings)
        db.session.rollback()
        assert (question.kind, question.options) == ("text", [])


def test_each_kind_keeps_only_its_own_settings(app, workshop):
    with app.app_context():
        question = db.session.get(Workshop, workshop.id).questions[0]
        set_question_kind(question, KindSettings("choice", [" Buss ", "", "Sykkel"], multiple=True,
                                                 max_choices=2, allow_other=True, low_label="ignored"))
        db.session.commit()
        assert settings_of(question) == KindSettings("choice", ["Buss", "Sykkel"], multiple=True, max_choices=2,
                                                     allow_other=True)
        set_question_kind(question, KindSettings("scale", [], scale_min=1, scale_max=7, low_label="Lite",
                                                 high_label="Mye", multiple=True))
        assert (question.kind, question.multiple, question.scale_max, [o.text for o in question.options]) == (
            "scale", False, 7, [""])


def test_kind_and_options_stay_once_someone_answered(app, workshop):
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        question = w.questions[0]
        set_question_kind(question, KindSettings("choice", ["A", "B"]))
        question.is_open = True
        submit_answer(join_workshop(w), question, {question.options[0].id: 1})
        with pytest.raises(DomainError, match="answered this question already"):
            set_question_kind(question, KindSettings("choice", ["A", "C"]))
        # What does not touch the answers may still change.
        set_question_kind(question, KindSettings("choice", ["A", "B"], allow_other=True))
        assert question.allow_other


def test_a_ranking_of_what_the_tables_suggested(app, workshop):
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        source, ranking = w.questions
        source.is_open = True
        person = join_workshop(w)
        for text in ("Kaffe", "Lengre pauser", "Felles lunsj"):
            submit_suggestion(person, source, text)
        hidden, _ = submit_suggestion(person, source, "Skjult")
        hidden.status = SuggestionStatus.HIDDEN
        ranking_options_from(ranking, source)
        db.session.commit()
        assert (ranking.kind, ranking.ranking_source_id) == ("ranking", source.id)
        assert [o.text for o in ranking.options] == ["Kaffe", "Lengre pauser", "Felles lunsj"]
        with pytest.raises(DomainError, match="open question of this workshop"):
            ranking_options_from(source, ranking)


def test_suggestions_go_only_to_questions_that_take_text(app, workshop):
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        question = w.questions[0]
        set_question_kind(question, KindSettings("scale"))
        question.is_open = True
        with pytest.raises(DomainError, match="choosing, not by writing"):
            submit_suggestion(join_workshop(w), question, "text")


def test_questions_to_the_panel_upvotes_pin_answered_and_premoderation(app, workshop, facilitator):
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        actor = db.session.get(Facilitator, facilitator.id)
        panel = w.questions[0]
        set_question_kind(panel, KindSettings("qanda"))
        panel.is_open = True
        asker, voter = join_workshop(w), join_workshop(w)
        first, _ = submit_suggestion(asker, panel, "Når kommer bussen?")
        second, _ = submit_suggestion(asker, panel, "Hvem betaler?")
        assert set_upvote(voter, second, True) and not set_upvote(voter, second, True)  # a retry: no change
        set_upvote(asker, second, True)
        set_upvote(asker, first, True)
        assert [(q.text, q.upvotes) for q in list_panel_questions(panel)] == [
            ("Hvem betaler?", 2), ("Når kommer bussen?", 1)]
        assert set_upvote(asker, second, False)  # withdrawn
        pin_for_panel(actor, first)
        assert [q.text for q in list_panel_questions(panel)][0] == "Når kommer bussen?"
        set_answered(actor, first, True)
        assert [(q.text, q.pinned, q.answered) for q in list_panel_questions(panel)] == [
            ("Hvem betaler?", False, False), ("Når kommer bussen?", False, True)]
        set_question_kind(panel, KindSettings("qanda", premoderated=True))
        held, _ = submit_suggestion(asker, panel, "Kan vi få mer tid?")
        assert held.status == SuggestionStatus.PENDING
        with pytest.raises(DomainError, match="cannot be upvoted"):
            set_upvote(voter, held, True)
        db.session.commit()
        assert db.session.get(Participant, voter.id) is not None
        assert db.session.get(Suggestion, held.id).status == "pending"
