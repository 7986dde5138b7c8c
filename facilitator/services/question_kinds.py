"""What a question asks of the room: its kind (open text, multiple choice, scale, ranking,
questions to the panel), the settings of that kind and its options.

The console's form, the JSON import and "plan the next meeting" all go through
``set_question_kind``, so a question is checked the same way wherever it comes from.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.answers import count_answers
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.models import Question, QuestionKind, QuestionOption, Suggestion, SuggestionStatus, Vote

KINDS = tuple(kind.value for kind in QuestionKind)
# The scales a facilitator can choose: the common ones, so results compare between meetings.
SCALES = ((1, 5), (1, 7), (0, 10))
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_STATEMENTS = 12
OPTION_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 80


@dataclass
class KindSettings:
    """A question's kind and what goes with it, as a form or a file gives them."""
    kind: str = QuestionKind.TEXT
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    max_choices: int | None = None
    allow_other: bool = False
    scale_min: int = 1
    scale_max: int = 5
    low_label: str = ""
    high_label: str = ""
    premoderated: bool = False
    ranking_source_id: int | None = None


def settings_of(question: Question) -> KindSettings:
    """The settings a question has now: what the form shows, and what a copy carries."""
    return KindSettings(
        kind=question.kind, options=[option.text for option in question.options], multiple=question.multiple,
        max_choices=question.max_choices, allow_other=question.allow_other, scale_min=question.scale_min,
        scale_max=question.scale_max, low_label=question.low_label, high_label=question.high_label,
        premoderated=question.premoderated, ranking_source_id=question.ranking_source_id)


def set_question_kind(question: Question, settings: KindSettings) -> Question:
    """Give a question its kind, settings and options, checked; the options replace the old ones
    only while nobody has answered (answers point at them)."""
    settings = check_settings(settings)
    if settings.kind != question.kind or [o.text for o in question.options] != settings.options:
        check_unanswered(question)
    question.kind = settings.kind
    question.multiple, question.max_choices = settings.multiple, settings.max_choices
    question.allow_other, question.premoderated = settings.allow_other, settings.premoderated
    question.scale_min, question.scale_max = settings.scale_min, settings.scale_max
    question.low_label, question.high_label = settings.low_label, settings.high_label
    question.ranking_source_id = settings.ranking_source_id
    if [o.text for o in question.options] != settings.options:
        replace_options(question, settings.options)
    db.session.flush()
    return question


def check_settings(settings: KindSettings) -> KindSettings:
    """The settings cleaned, or a DomainError naming the field to change."""
    if settings.kind not in KINDS:
        raise DomainError(_l("Choose what kind of question this is."), "kind")
    options = [clean_text(text, max_length=OPTION_MAX_LENGTH, field="options")
               for text in settings.options if text and text.strip()]
    cleaned = KindSettings(kind=settings.kind, premoderated=settings.premoderated and settings.kind == "qanda")
    if settings.kind == QuestionKind.CHOICE:
        check_option_count(options)
        cleaned.multiple, cleaned.allow_other = settings.multiple, settings.allow_other
        cleaned.max_choices = check_max_choices(settings, len(options)) if settings.multiple else None
    elif settings.kind == QuestionKind.SCALE:
        if (settings.scale_min, settings.scale_max) not in SCALES:
            raise DomainError(_l("Choose a scale of 1–5, 1–7 or 0–10."), "scale")
        if len(options) > MAX_STATEMENTS:
            raise DomainError(_l("A scale can rate at most %(max)d statements.", max=MAX_STATEMENTS), "options")
        cleaned.scale_min, cleaned.scale_max = settings.scale_min, settings.scale_max
        cleaned.low_label = clean_text(settings.low_label, max_length=LABEL_MAX_LENGTH, required=False,
                                       field="low_label")
        cleaned.high_label = clean_text(settings.high_label, max_length=LABEL_MAX_LENGTH, required=False,
                                        field="high_label")
    elif settings.kind == QuestionKind.RANKING:
        check_option_count(options)
        cleaned.ranking_source_id = settings.ranking_source_id
    cleaned.options = options if settings.kind in (QuestionKind.CHOICE, QuestionKind.SCALE,
                                                   QuestionKind.RANKING) else []
    if settings.kind == QuestionKind.SCALE and not options:
        # A scale without statements rates the question itself: one statement with no text of
        # its own, so every rating is an item of an option like any other answer.
        cleaned.options = [""]
    check_distinct(cleaned.options)
    return cleaned


def check_option_count(options: list[str]) -> None:
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise DomainError(_l("Give between %(min)d and %(max)d options, one per line.",
                             min=MIN_OPTIONS, max=MAX_OPTIONS), "options")


def check_max_choices(settings: KindSettings, option_count: int) -> int | None:
    if settings.max_choices is None:
        return None
    limit = option_count + (1 if settings.allow_other else 0)
    if not 1 <= settings.max_choices <= limit:
        raise DomainError(_l("The most answers one person can tick must be from 1 to %(max)d.", max=limit),
                          "max_choices")
    return settings.max_choices


def check_distinct(options: list[str]) -> None:
    seen: set[str] = set()
    for text in options:
        if text.casefold() in seen:
            raise DomainError(_l("The option “%(option)s” is there twice.", option=text[:60]), "options")
        seen.add(text.casefold())


def check_unanswered(question: Question) -> None:
    if count_answers(question) or (question.kind != QuestionKind.QANDA and question.suggestions):
        raise DomainError(_l("People have answered this question already, so its kind and options "
                             "stay as they are. Add a new question instead."), "kind")


def replace_options(question: Question, texts: list[str], suggestion_ids: list[int | None] | None = None) -> None:
    question.options.clear()
    db.session.flush()
    ids = suggestion_ids or [None] * len(texts)
    question.options.extend(QuestionOption(position=n, text=text, suggestion_id=suggestion_id)
                            for n, (text, suggestion_id) in enumerate(zip(texts, ids, strict=True), start=1))


def ranking_options_from(question: Question, source: Question) -> Question:
    """Make a ranking of what the room suggested for an earlier open question: its shown
    suggestions, the most dotted first, at most MAX_OPTIONS (a phone cannot rank more)."""
    if source.workshop_id != question.workshop_id or source.id == question.id \
            or source.kind != QuestionKind.TEXT:
        raise DomainError(_l("Choose an open question of this workshop."), "ranking_source")
    check_unanswered(question)
    dots = func.coalesce(func.sum(Vote.dots), 0)
    rows = db.session.execute(
        select(Suggestion.id, Suggestion.text).outerjoin(Vote)
        .where(Suggestion.question_id == source.id, Suggestion.status == SuggestionStatus.VISIBLE)
        .group_by(Suggestion.id, Suggestion.text).order_by(dots.desc(), Suggestion.id).limit(MAX_OPTIONS)).all()
    if len(rows) < MIN_OPTIONS:
        raise DomainError(_l("That question has fewer than %(min)d suggestions to rank.", min=MIN_OPTIONS),
                          "ranking_source")
    question.kind, question.ranking_source_id = QuestionKind.RANKING, source.id
    # Suggestions are cleaned already; a long one is cut to what an option holds.
    texts = [text if len(text) <= OPTION_MAX_LENGTH else text[:OPTION_MAX_LENGTH - 1] + "…"
             for _id, text in rows]
    replace_options(question, texts, [suggestion_id for suggestion_id, _text in rows])
    db.session.flush()
    return question


def prepare_question(question: Question, settings: KindSettings, source: Question | None = None) -> Question:
    """What the console's form does: set the kind and settings, and for a ranking of an earlier
    question's suggestions, take them as the options."""
    if settings.kind == QuestionKind.RANKING and source is not None:
        ranking_options_from(question, source)
        # The settings of another kind do not travel with a ranking (nor into a copy of it).
        question.multiple, question.max_choices, question.allow_other, question.premoderated = False, None, False, False
        question.low_label = question.high_label = ""
        return question
    settings.ranking_source_id = None
    return set_question_kind(question, settings)


def ranking_sources(question: Question | None, questions: list[Question]) -> list[Question]:
    """The open-text questions whose suggestions a ranking can take: those before it."""
    return [q for q in questions if q.kind == QuestionKind.TEXT and (question is None or q.position < question.position)]


def kind_label(kind: str) -> str:
    """The kind's name in the reader's language."""
    labels = {"text": _l("Open text"), "choice": _l("Multiple choice"), "scale": _l("Scale"),
              "ranking": _l("Ranking"), "qanda": _l("Questions to the panel")}
    return str(labels.get(kind, kind))
