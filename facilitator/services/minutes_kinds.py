"""The minutes' part for multiple choice, scales, ranking and questions to the panel.

The figures come from ``answer_results`` (what the projector and the phones show too); the raw
answers, one per participant, are for the spreadsheets. Every answer is written out as text in
the workshop's words, so a row reads without the question's option list beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from facilitator.services.answer_results import results_for
from facilitator.services.qanda import PanelQuestion, list_panel_questions
from facilitator.infra.extensions import db
from facilitator.models import Answer, Participant, Question, QuestionKind, Workshop


@dataclass
class MinutesAnswer:
    """One participant's current answer, as text (for CSV and XLSX)."""
    choices: list[str]
    other_text: str
    other_status: str
    table: int | None = None
    table_name: str = ""
    updated_at: datetime | None = None


def kind_results(question: Question):
    """The question's figures: answer results, the panel's questions, or None for open text."""
    if question.kind == QuestionKind.QANDA:
        return list_panel_questions(question)
    return results_for(question)


def compile_answers(workshop: Workshop) -> dict[int, list[MinutesAnswer]]:
    """Every current answer of the workshop, per question, in the order they were first given."""
    options = {option.id: (option.text, option.position) for question in workshop.questions
               for option in question.options}
    kinds = {question.id: question.kind for question in workshop.questions}
    answers = db.session.scalars(
        select(Answer).where(Answer.workshop_id == workshop.id).order_by(Answer.id)
        .options(selectinload(Answer.items))).all()
    tables = {person.id: person.table for person in db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id)
        .options(selectinload(Participant.table)))}
    grouped: dict[int, list[MinutesAnswer]] = {}
    for answer in answers:
        table = tables.get(answer.participant_id)
        grouped.setdefault(answer.question_id, []).append(MinutesAnswer(
            answer_texts(kinds.get(answer.question_id), answer, options), answer.other_text, answer.other_status,
            table.number if table else None, table.name if table else "", answer.updated_at))
    return grouped


def answer_texts(kind: str | None, answer: Answer, options: dict[int, tuple[str, int]]) -> list[str]:
    """The answer's parts: the ticked options; each statement's rating; the options in order."""
    items = sorted(answer.items, key=lambda item: options.get(item.option_id, ("", 0))[1])
    if kind == QuestionKind.SCALE:
        return [f"{options[i.option_id][0]}: {i.value}" if options[i.option_id][0] else str(i.value)
                for i in items if i.option_id in options]
    if kind == QuestionKind.RANKING:
        ranked = sorted(items, key=lambda item: item.value)
        return [f"{i.value}. {options[i.option_id][0]}" for i in ranked if i.option_id in options]
    return [options[i.option_id][0] for i in items if i.option_id in options]


__all__ = ["MinutesAnswer", "PanelQuestion", "compile_answers", "kind_results"]
