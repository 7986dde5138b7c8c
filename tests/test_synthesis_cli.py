"""`flask synthesis CODE`: duplicates and theme proposals of one workshop's visible suggestions only."""
from __future__ import annotations

import json

from support.factories import make_workshop

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Question, Suggestion, SuggestionStatus, Workshop

FIRST = ["Velkomstpakke til alle nye innbyggere", "Velkomstpakker til nye innbygere",
         "Gratis parkering i sentrum", "Gratis parkering i sentrum om kvelden", "Innflytterfadder",
         "Fadder for innflyttere"]
SECOND = ["Flere utleieboliger", "Fleire utleigebustader og utleieboligar", "Billige tomter for unge familier"]
HIDDEN = "Velkomstpakke til nye innbyggere, skjult"
MERGED = "Velkomstpakke til alle nye innbyggere!"
PENDING = "Velkomstpakke til alle nye innbyggere, venter"


def fill(app, facilitator_id: int, workshop_id: int, texts_by_question: list[list[str]]) -> dict[str, int]:
    """Suggestions typed in by the facilitator; returns {text: id}."""
    from facilitator.services.suggestions import add_suggestion_as_facilitator
    with app.app_context():
        owner = db.session.get(Facilitator, facilitator_id)
        workshop = db.session.get(Workshop, workshop_id)
        ids = {}
        for question, texts in zip(workshop.questions, texts_by_question, strict=False):
            for text in texts:
                ids[text] = add_suggestion_as_facilitator(owner, question, text).id
        db.session.commit()
        return ids


def set_aside(app, facilitator_id: int, ids: dict[str, int]) -> None:
    """Hide one, merge one into another, and put one back to waiting for approval."""
    from facilitator.services.moderation import merge, set_status
    with app.app_context():
        owner = db.session.get(Facilitator, facilitator_id)
        set_status(owner, db.session.get(Suggestion, ids[HIDDEN]), SuggestionStatus.HIDDEN)
        merge(owner, db.session.get(Suggestion, ids[MERGED]), db.session.get(Suggestion, ids[FIRST[0]]))
        db.session.get(Suggestion, ids[PENDING]).status = SuggestionStatus.PENDING
        db.session.commit()


def ids_in(result: dict) -> set[int]:
    found = {card["id"] for pair in result["duplicates"] for card in (pair["a"], pair["b"])}
    return found | {card["id"] for theme in result["themes"] for card in theme["suggestions"]}


def test_synthesis_lists_duplicates_and_themes_of_visible_suggestions_only(app, runner, facilitator):
    workshop = make_workshop(app, facilitator.id, language="nb")
    ids = fill(app, facilitator.id, workshop.id, [FIRST + [HIDDEN, MERGED, PENDING], SECOND])
    set_aside(app, facilitator.id, ids)
    other = make_workshop(app, facilitator.id, language="nb")
    others = fill(app, facilitator.id, other.id, [FIRST, SECOND])

    result = runner.invoke(args=["synthesis", workshop.join_code, "--format", "json"])
    assert result.exit_code == 0, result.output
    synthesis = json.loads(result.output)
    pairs = {frozenset((pair["a"]["text"], pair["b"]["text"])) for pair in synthesis["duplicates"]}
    assert frozenset(FIRST[:2]) in pairs and frozenset(SECOND[:2]) in pairs
    assert all(0 < pair["score"] <= 1 for pair in synthesis["duplicates"])
    assert synthesis["themes"] and all(theme["label"] and theme["suggestions"] for theme in synthesis["themes"])
    seen = ids_in(synthesis)
    assert not seen & {ids[HIDDEN], ids[MERGED], ids[PENDING]}
    assert not seen & set(others.values())
    assert seen <= set(ids.values())


def test_synthesis_of_one_question(app, runner, facilitator):
    workshop = make_workshop(app, facilitator.id, language="nb")
    ids = fill(app, facilitator.id, workshop.id, [FIRST, SECOND])
    result = runner.invoke(args=["synthesis", workshop.join_code, "--question", "2"])
    assert result.exit_code == 0, result.output
    synthesis = json.loads(result.output)
    assert ids_in(synthesis) <= {ids[text] for text in SECOND}
    assert {pair["question"]["id"] for pair in synthesis["duplicates"]} == {workshop.question_ids[1]}


def test_existing_themes_get_proposals_for_the_suggestions_without_one(app, runner, facilitator):
    from facilitator.services.themes import assign_theme, create_theme
    workshop = make_workshop(app, facilitator.id, language="nb")
    ids = fill(app, facilitator.id, workshop.id, [FIRST])
    with app.app_context():
        owner = db.session.get(Facilitator, facilitator.id)
        question = db.session.get(Question, workshop.question_ids[0])
        theme = create_theme(owner, db.session.get(Workshop, workshop.id), "Parkering", question)
        assign_theme(owner, db.session.get(Suggestion, ids[FIRST[2]]), theme)
        db.session.commit()
        theme_id = theme.id
    synthesis = json.loads(runner.invoke(args=["synthesis", workshop.join_code, "--question", "1"]).output)
    proposed = {theme["theme"]["id"]: [card["id"] for card in theme["suggestions"]] for theme in synthesis["themes"]}
    assert ids[FIRST[3]] in proposed[theme_id]
    assert ids[FIRST[2]] not in proposed[theme_id]   # already in it


def test_synthesis_explains_a_wrong_code_or_question(app, runner, facilitator):
    workshop = make_workshop(app, facilitator.id)
    wrong_code = runner.invoke(args=["synthesis", "NOSUCH"])
    assert wrong_code.exit_code != 0 and "No workshop has the code" in wrong_code.output
    wrong_question = runner.invoke(args=["synthesis", workshop.join_code, "--question", "3"])
    assert wrong_question.exit_code != 0 and "there is no question 3" in wrong_question.output


def test_a_pair_dismissed_on_the_board_is_not_proposed(app, runner, facilitator):
    from facilitator.services.synthesis.live import dismiss_duplicate
    workshop = make_workshop(app, facilitator.id, language="nb")
    ids = fill(app, facilitator.id, workshop.id, [FIRST])

    def pairs() -> set[frozenset[int]]:
        result = json.loads(runner.invoke(args=["synthesis", workshop.join_code]).output)
        return {frozenset((pair["a"]["id"], pair["b"]["id"])) for pair in result["duplicates"]}
    dismissed = frozenset((ids[FIRST[0]], ids[FIRST[1]]))
    assert dismissed in pairs()
    with app.app_context():
        dismiss_duplicate(db.session.get(Facilitator, facilitator.id), db.session.get(Suggestion, ids[FIRST[1]]),
                          db.session.get(Suggestion, ids[FIRST[0]]))
        db.session.commit()
    assert dismissed not in pairs() and pairs()
