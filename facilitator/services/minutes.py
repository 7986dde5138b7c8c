"""The minutes: compiled once into a plain structure that every exporter renders.

The structure follows how organisers write minutes by hand (seed 000): title,
date and place, theme, number of participants, the program, each question
with its suggestions as a list, closing remarks and the organiser's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import DomainError
from .participants import count_participants
from .text import clean_text
from ..extensions import db
from ..models import (
    Facilitator, MinutesRevision, Suggestion, SuggestionStatus, Workshop, utcnow,
)

MINUTES_TEXT_MAX_LENGTH = 20_000


@dataclass
class MinutesQuestion:
    number: int
    text: str
    suggestions: list[str]


@dataclass
class Minutes:
    language: str
    title: str
    date: date | None
    start_time: time | None
    end_time: time | None
    place: str
    theme: str
    participant_count: int
    program: str
    opening_text: str
    closing_text: str
    signature: str
    questions: list[MinutesQuestion] = field(default_factory=list)
    revision: int = 0
    compiled_at: datetime = field(default_factory=utcnow)


@dataclass
class MinutesEdit:
    """The organiser's own words around the suggestions."""
    opening_text: str = ""
    closing_text: str = ""
    signature: str = ""
    participant_count: int | None = None


class StaleMinutes(DomainError):
    """Somebody else saved the minutes since this editor loaded them."""


def latest_revision(workshop: Workshop) -> MinutesRevision | None:
    return db.session.scalar(
        select(MinutesRevision).where(MinutesRevision.workshop_id == workshop.id)
        .order_by(MinutesRevision.number.desc()).limit(1))


def current_edit(workshop: Workshop) -> tuple[MinutesEdit, int]:
    """The text as last saved (or the defaults) and its revision number."""
    revision = latest_revision(workshop)
    if revision is None:
        owner = workshop.owner
        return MinutesEdit(signature=owner.name if owner else ""), 0
    return MinutesEdit(revision.opening_text, revision.closing_text, revision.signature,
                       revision.participant_count), revision.number


def save_minutes(workshop: Workshop, author: Facilitator | None, edit: MinutesEdit,
                 base_revision: int) -> MinutesRevision:
    """Save a new revision, refusing if the editor started from an older one."""
    latest = latest_revision(workshop)
    latest_number = latest.number if latest else 0
    if base_revision != latest_number:
        raise StaleMinutes(_l("Someone else saved the minutes while you were editing. "
                              "Your text is kept below: compare it with the new version and save again."))
    if edit.participant_count is not None and not 0 <= edit.participant_count <= 1_000_000:
        raise DomainError(_l("The number of participants must be between 0 and 1,000,000."),
                          "participant_count")
    revision = MinutesRevision(
        workshop_id=workshop.id, number=latest_number + 1, author_id=author.id if author else None,
        opening_text=clean_minutes_text(edit.opening_text, "opening_text"),
        closing_text=clean_minutes_text(edit.closing_text, "closing_text"),
        signature=clean_minutes_text(edit.signature, "signature"),
        participant_count=edit.participant_count)
    try:
        with db.session.begin_nested():
            db.session.add(revision)
    except IntegrityError:
        raise StaleMinutes(_l("Someone else saved the minutes at the same moment. "
                              "Your text is kept below: check it and save again."))
    return revision


def clean_minutes_text(text: str, field_name: str) -> str:
    return clean_text(text, max_length=MINUTES_TEXT_MAX_LENGTH, multiline=True,
                      required=False, field=field_name)


def compile_minutes(workshop: Workshop) -> Minutes:
    """Everything an exporter needs, read in two queries and detached from the session."""
    edit, number = current_edit(workshop)
    rows = db.session.scalars(
        select(Suggestion).where(Suggestion.workshop_id == workshop.id,
                                 Suggestion.status == SuggestionStatus.VISIBLE)
        .order_by(Suggestion.id))
    by_question: dict[int, list[str]] = {}
    for suggestion in rows:
        by_question.setdefault(suggestion.question_id, []).append(suggestion.text)
    questions = [MinutesQuestion(index, q.text, by_question.get(q.id, []))
                 for index, q in enumerate(workshop.questions, start=1)]
    count = edit.participant_count
    return Minutes(
        language=workshop.language, title=workshop.title, date=workshop.date,
        start_time=workshop.start_time, end_time=workshop.end_time, place=workshop.place,
        theme=workshop.theme,
        participant_count=count if count is not None else count_participants(workshop),
        program=workshop.program, opening_text=edit.opening_text, closing_text=edit.closing_text,
        signature=edit.signature, questions=questions, revision=number)
