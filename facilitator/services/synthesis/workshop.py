"""The synthesis of a workshop's visible suggestions: what the console and the command line show.

Only suggestions a participant could see count: hidden, pending and merged ones are left out, and
so is every other workshop's. Duplicates are looked for within each question; themes are proposed
per question, or, where the facilitator has made themes already, the nearest one is proposed for
each suggestion that has none.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from facilitator.infra.extensions import db
from facilitator.models import Question, Suggestion, SuggestionStatus, Theme, Workshop
from facilitator.services.synthesis.duplicates import find_duplicates
from facilitator.services.synthesis.themes import DEFAULT_GRANULARITY, propose_for_existing_themes, propose_themes


def visible_suggestions(workshop: Workshop, question: Question) -> list[Suggestion]:
    """A question's visible suggestions in this workshop, in the order they came in."""
    return list(db.session.scalars(
        select(Suggestion).where(Suggestion.workshop_id == workshop.id, Suggestion.question_id == question.id,
                                 Suggestion.status == SuggestionStatus.VISIBLE)
        .order_by(Suggestion.created_at, Suggestion.id)))


def _card(suggestion: Suggestion) -> dict:
    return {"id": suggestion.id, "text": suggestion.text}


def synthesise(workshop: Workshop, questions: Iterable[Question], granularity: float = DEFAULT_GRANULARITY,
               dismissed: Iterable[frozenset[int]] = ()) -> dict:
    """{"duplicates": [...], "themes": [...]} for the given questions of one workshop."""
    result = {"duplicates": [], "themes": []}
    dismissed = set(dismissed)
    for question in questions:
        if question.workshop_id != workshop.id:
            continue
        suggestions = visible_suggestions(workshop, question)
        by_id = {suggestion.id: suggestion for suggestion in suggestions}
        items = [(suggestion.id, suggestion.text) for suggestion in suggestions]
        about = {"id": question.id, "text": question.text}
        for pair in find_duplicates(items, workshop.language, dismissed):
            result["duplicates"].append({"a": _card(by_id[pair.a]), "b": _card(by_id[pair.b]),
                                         "score": pair.score, "question": about})
        result["themes"] += _themes(workshop, question, suggestions, granularity, about)
    return result


def _themes(workshop: Workshop, question: Question, suggestions: list[Suggestion], granularity: float,
            about: dict) -> list[dict]:
    existing = [theme for theme in workshop.themes if theme.question_id in (None, question.id)]
    if existing and any(suggestion.theme_id for suggestion in suggestions):
        return _nearest_existing(workshop, existing, suggestions, about)
    by_id = {suggestion.id: suggestion for suggestion in suggestions}
    items = [(suggestion.id, suggestion.text) for suggestion in suggestions]
    return [{"label": proposal.label, "keywords": proposal.keywords, "central": _card(by_id[proposal.central]),
             "suggestions": [_card(by_id[member]) for member in proposal.members], "question": about}
            for proposal in propose_themes(items, workshop.language, granularity) if len(proposal.members) > 1]


def _nearest_existing(workshop: Workshop, existing: list[Theme], suggestions: list[Suggestion],
                      about: dict) -> list[dict]:
    """Each existing theme with the unthemed suggestions proposed for it."""
    themes = {theme.id: (theme.name, [(s.id, s.text) for s in suggestions if s.theme_id == theme.id])
              for theme in existing}
    unthemed = [(s.id, s.text) for s in suggestions if s.theme_id is None]
    proposed = propose_for_existing_themes(unthemed, themes, workshop.language)
    by_id = {suggestion.id: suggestion for suggestion in suggestions}
    return [{"label": theme.name, "theme": {"id": theme.id, "name": theme.name}, "question": about,
             "suggestions": [dict(_card(by_id[sid]), score=score)
                             for sid, (theme_id, score) in proposed.items() if theme_id == theme.id]}
            for theme in existing if any(theme_id == theme.id for theme_id, _ in proposed.values())]
