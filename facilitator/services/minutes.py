"""The minutes: compiled once into a plain structure that every exporter renders.

The structure follows how organisers write minutes by hand (seed 000): title,
date and place, theme, number of participants, the program, each question
with its suggestions as a list, closing remarks and the organiser's name.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from facilitator.services import DomainError
from facilitator.services.minutes_kinds import MinutesAnswer, compile_answers, kind_results
from facilitator.services.minutes_photos import MinutesPhoto, compile_photos
from facilitator.services.participants import count_participants
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.models import (
    Facilitator, MinutesRevision, Suggestion, SuggestionStatus, Theme, Vote, Workshop, utcnow,
)

MINUTES_TEXT_MAX_LENGTH = 20_000


@dataclass
class MinutesOptions:
    """What the organiser chose to include in the document."""
    program: bool = True
    per_table: bool = False
    hidden: bool = False
    votes: bool = True
    themes: bool = True
    actions: bool = True
    facilitators: bool = False
    participant_count: bool = True
    harvest: bool = False
    photos: bool = True

    @classmethod
    def from_json(cls, text: str | None) -> "MinutesOptions":
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in data.items() if k in known})

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class MinutesItem:
    """One suggestion with everything the raw-data exports need."""
    id: int
    text: str
    original_text: str
    status: str
    table: int | None = None
    table_name: str = ""
    round: int | None = None
    votes: int = 0
    theme: str = ""
    action: str = ""
    pinned: bool = False
    # A question to the panel that the facilitator marked answered.
    answered: bool = False
    merged_from: list[str] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass
class MinutesTheme:
    name: str
    suggestions: list[str]
    # The harvest: the suggestion that best stands for the theme, and the dots on its suggestions.
    representative: str = ""
    votes: int = 0


@dataclass
class MinutesQuestion:
    number: int
    text: str
    # The visible suggestions' texts in arrival order: the list organisers write by hand.
    suggestions: list[str]
    # Every suggestion of the question (hidden, pending and merged ones too), in arrival order.
    items: list[MinutesItem] = field(default_factory=list)
    # (text, dots) best first, once the question has been voted on.
    ranking: list[tuple[str, int]] = field(default_factory=list)
    themes: list[MinutesTheme] = field(default_factory=list)
    # What the room did with it (QuestionKind), its figures (answer_results' ChoiceResults,
    # ScaleResults or RankingResults, or the panel's questions) and every current answer.
    kind: str = "text"
    results: object = None
    answers: list[MinutesAnswer] = field(default_factory=list)


@dataclass
class MinutesTable:
    number: int
    name: str
    question: str = ""


@dataclass
class MinutesAction:
    what: str
    owner: str
    due_date: date | None
    status: str
    source: str = ""
    carried_over: bool = False


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
    tables: list[MinutesTable] = field(default_factory=list)
    actions: list[MinutesAction] = field(default_factory=list)
    facilitators: list[str] = field(default_factory=list)
    rounds: int = 0
    # The tables' photos (every one: the spreadsheets list them whatever the options say).
    photos: list[MinutesPhoto] = field(default_factory=list)
    options: MinutesOptions = field(default_factory=MinutesOptions)
    revision: int = 0
    compiled_at: datetime = field(default_factory=utcnow)


@dataclass
class MinutesEdit:
    """The organiser's own words around the suggestions."""
    opening_text: str = ""
    closing_text: str = ""
    signature: str = ""
    participant_count: int | None = None
    options: MinutesOptions = field(default_factory=MinutesOptions)


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
                       revision.participant_count, MinutesOptions.from_json(revision.options)), revision.number


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
        participant_count=edit.participant_count, options=edit.options.to_json())
    try:
        with db.session.begin_nested():
            db.session.add(revision)
    except IntegrityError:
        raise StaleMinutes(_l("Someone else saved the minutes at the same moment. "
                              "Your text is kept below: check it and save again.")) from None
    return revision


def clean_minutes_text(text: str, field_name: str) -> str:
    return clean_text(text, max_length=MINUTES_TEXT_MAX_LENGTH, multiline=True,
                      required=False, field=field_name)


def compile_minutes(workshop: Workshop) -> Minutes:
    """Everything an exporter needs, read in a handful of queries and detached from the session."""
    edit, number = current_edit(workshop)
    items_by_question = compile_items(workshop)
    answers = compile_answers(workshop)
    questions = []
    for index, question in enumerate(workshop.questions, start=1):
        items = items_by_question.get(question.id, [])
        visible = [item for item in items if item.status == SuggestionStatus.VISIBLE]
        questions.append(MinutesQuestion(
            number=index, text=question.text, suggestions=[item.text for item in visible], items=items,
            ranking=compile_ranking(question, visible), themes=compile_themes(workshop, question, visible),
            kind=question.kind, results=kind_results(question), answers=answers.get(question.id, [])))
    count = edit.participant_count
    return Minutes(
        language=workshop.language, title=workshop.title, date=workshop.date,
        start_time=workshop.start_time, end_time=workshop.end_time, place=workshop.place,
        theme=workshop.theme,
        participant_count=count if count is not None else count_participants(workshop),
        program=workshop.program, opening_text=edit.opening_text, closing_text=edit.closing_text,
        signature=edit.signature, questions=questions, revision=number, options=edit.options,
        tables=[MinutesTable(t.number, t.name, t.question.text if t.question else "")
                for t in workshop.tables],
        actions=compile_actions(workshop), rounds=len([r for r in workshop.rounds if r.started_at]),
        photos=compile_photos(workshop, with_images=edit.options.photos),
        facilitators=[m.facilitator.name for m in sorted(
            workshop.members, key=lambda m: (m.role != "owner", m.added_at))])


def compile_items(workshop: Workshop) -> dict[int, list[MinutesItem]]:
    """Every suggestion with its table, round, theme, votes and merged sources."""
    rows = db.session.scalars(
        select(Suggestion).where(Suggestion.workshop_id == workshop.id)
        .options(selectinload(Suggestion.table), selectinload(Suggestion.round),
                 selectinload(Suggestion.theme))
        .order_by(Suggestion.id)).all()
    dots = dict(db.session.execute(
        select(Vote.suggestion_id, func.sum(Vote.dots)).join(Suggestion)
        .where(Suggestion.workshop_id == workshop.id).group_by(Vote.suggestion_id)).all())
    actions = {a.suggestion_id: a.what for a in workshop.actions if a.suggestion_id}
    items: dict[int, MinutesItem] = {}
    for s in rows:
        items[s.id] = MinutesItem(
            id=s.id, text=s.text, original_text=s.original_text, status=s.status,
            table=s.table.number if s.table else None, table_name=s.table.name if s.table else "",
            round=s.round.number if s.round else None, votes=int(dots.get(s.id) or 0),
            theme=s.theme.name if s.theme else "", action=actions.get(s.id, ""), pinned=s.pinned,
            answered=s.answered_at is not None, created_at=s.created_at)
    # A merged item keeps its sources, and their dots count for it.
    for s in rows:
        if s.merged_into_id and s.merged_into_id in items:
            target = items[s.merged_into_id]
            target.merged_from.append(s.text)
            target.votes += items[s.id].votes
    grouped: dict[int, list[MinutesItem]] = {}
    for s in rows:
        grouped.setdefault(s.question_id, []).append(items[s.id])
    return grouped


def compile_ranking(question, visible: list[MinutesItem]) -> list[tuple[str, int]]:
    if question.voting_state == "none":
        return []
    ranked = sorted(visible, key=lambda item: (-item.votes, item.id))
    return [(item.text, item.votes) for item in ranked]


def compile_themes(workshop: Workshop, question, visible: list[MinutesItem]) -> list[MinutesTheme]:
    themes = [t for t in workshop.themes if t.question_id in (None, question.id)]
    compiled = []
    for theme in themes:
        members = [item for item in visible if item.theme == theme.name]
        if members:
            compiled.append(MinutesTheme(theme.name, [item.text for item in members],
                                         representative_text(members, workshop.language),
                                         sum(item.votes for item in members)))
    return compiled


def representative_text(members: list[MinutesItem], language: str) -> str:
    """The suggestion that best stands for a theme's (the most central one; the first of two)."""
    if len(members) < 3:
        return members[0].text
    # Imported here: numpy and scipy load only for minutes with a theme of three or more.
    from facilitator.services.synthesis.themes import representative
    chosen = representative([(item.id, item.text) for item in members], language)
    return next(item.text for item in members if item.id == chosen)


def compile_actions(workshop: Workshop) -> list[MinutesAction]:
    texts = {}
    for action in workshop.actions:
        if action.suggestion_id:
            suggestion = db.session.get(Suggestion, action.suggestion_id)
            texts[action.id] = suggestion.text if suggestion else ""
        elif action.theme_id:
            theme = db.session.get(Theme, action.theme_id)
            texts[action.id] = theme.name if theme else ""
    return [MinutesAction(a.what, a.owner, a.due_date, a.status, texts.get(a.id, ""), a.carried_over)
            for a in workshop.actions]
