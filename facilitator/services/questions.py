"""A workshop's ordered questions and which of them the room is answering."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext

from facilitator.services import DomainError
from facilitator.services.answers import count_answers
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.models import Question, Workshop, next_position

QUESTION_MAX_LENGTH = 500


def add_question(workshop: Workshop, text: str) -> Question:
    text = clean_text(text, max_length=QUESTION_MAX_LENGTH, field="text")
    question = Question(text=text, position=next_position(workshop.id))
    workshop.questions.append(question)
    db.session.flush()
    return question


def edit_question(question: Question, text: str) -> Question:
    question.text = clean_text(text, max_length=QUESTION_MAX_LENGTH, field="text")
    db.session.flush()
    return question


def move_question(question: Question, offset: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""
    siblings = list(question.workshop.questions)
    index = siblings.index(question)
    other = index + offset
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(question.workshop, ["questions"])


def delete_question(question: Question) -> None:
    """Delete a question that has no suggestions; accepted ones are never dropped."""
    answered = count_answers(question)
    if answered:
        raise DomainError(ngettext(
            "This question has %(num)d answer, so it cannot be deleted. Close it instead.",
            "This question has %(num)d answers, so it cannot be deleted. Close it instead.",
            answered))
    count = len(question.suggestions)
    if count:
        raise DomainError(ngettext(
            "This question has %(num)d suggestion, so it cannot be deleted. Close it instead.",
            "This question has %(num)d suggestions, so it cannot be deleted. Close it instead.",
            count))
    workshop = question.workshop
    if workshop.current_question_id == question.id:
        workshop.current_question_id = None
    db.session.delete(question)
    db.session.flush()
    db.session.expire(workshop, ["questions"])
    for position, item in enumerate(workshop.questions, start=1):
        item.position = position
    db.session.flush()


def show_question(workshop: Workshop, question: Question) -> Question:
    """Put a question on the projector and open it on the phones."""
    check_belongs(workshop, question)
    if workshop.current_question_id != question.id and workshop.projector_view in ("tally", "ranking"):
        # A vote's tally belongs to its question; the next question starts as a list.
        workshop.projector_view = "list"
    workshop.current_question_id = question.id
    question.is_open = True
    db.session.flush()
    return question


def set_question_open(workshop: Workshop, question: Question, is_open: bool) -> Question:
    """Open or close a question for new suggestions."""
    check_belongs(workshop, question)
    question.is_open = is_open
    db.session.flush()
    return question


def check_belongs(workshop: Workshop, question: Question) -> None:
    if question.workshop_id != workshop.id:
        raise DomainError(_l("That question belongs to another workshop."))
