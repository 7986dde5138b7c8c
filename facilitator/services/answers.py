"""Answers to multiple-choice, scale and ranking questions: one current answer per participant.

A participant may change an answer until the question closes; the change replaces the stored
answer, so every person counts once. A retried send (the same ``client_id``) changes nothing,
and two sends racing on two phones of one person queue on the participant's row, so the unique
key (question, participant) is never hit by a second first answer.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l, ngettext
from sqlalchemy import delete, func, select

from facilitator.services import DomainError
from facilitator.services.moderation import record
from facilitator.services.suggestions import clean_client_id
from facilitator.services.text import clean_text
from facilitator.services.voting import lock_participant
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import (
    Answer, AnswerItem, Participant, Question, QuestionKind, SuggestionStatus, WorkshopStatus, utcnow,
)

ANSWERED_KINDS = (QuestionKind.CHOICE, QuestionKind.SCALE, QuestionKind.RANKING)
OTHER_MAX_LENGTH = 200
# The form's field names: ``option`` (ticked options; "other" for the free-text box),
# ``other_text``, ``rate-<option id>`` (a scale) and ``rank-<option id>`` (a ranking).
OTHER = "other"


def submit_answer(participant: Participant, question: Question, values: Mapping[int, int],
                  other_text: str = "", client_id: str | None = None) -> tuple[Answer, bool]:
    """Store a participant's answer, replacing an earlier one; returns (answer, changed).

    ``values`` maps option ids to 1 (ticked), the rating, or the place in the ranking.
    A retry of the send that stored the current answer returns it unchanged."""
    lock_participant(participant)
    check_accepts(participant, question)
    client_id = clean_client_id(client_id)
    existing = own_answer(participant, question)
    if existing is not None and client_id and existing.client_id == client_id:
        return existing, False
    other_text = check_values(question, values, other_text)
    answer = existing or Answer(workshop_id=question.workshop_id, question_id=question.id,
                                participant_id=participant.id)
    if existing is not None:
        db.session.execute(delete(AnswerItem).where(AnswerItem.answer_id == existing.id))
        db.session.expire(existing, ["items"])
    answer.other_text = other_text
    answer.other_status = (SuggestionStatus.PENDING if other_text and participant.workshop.moderation == "pre"
                           else SuggestionStatus.VISIBLE)
    answer.client_id, answer.updated_at = client_id, utcnow()
    db.session.add(answer)
    db.session.flush()
    db.session.add_all(AnswerItem(answer_id=answer.id, option_id=option_id, value=value)
                       for option_id, value in sorted(values.items()))
    next_event_seq(participant.workshop)
    db.session.flush()
    return answer, True


def check_accepts(participant: Participant, question: Question) -> None:
    if question.workshop_id != participant.workshop_id:
        raise DomainError(_l("That question belongs to another workshop."))
    if participant.workshop.status != WorkshopStatus.LIVE:
        raise DomainError(_l("This workshop is not taking answers right now."))
    if question.kind not in ANSWERED_KINDS:
        raise DomainError(_l("This question takes written suggestions, not a choice."))
    if not question.is_open:
        raise DomainError(_l("This question is closed: answers can no longer be changed."))


def check_values(question: Question, values: Mapping[int, int], other_text: str) -> str:
    """The answer checked against the question's options and settings; returns the cleaned
    "other" text. Nothing is stored when this raises."""
    option_ids = {option.id for option in question.options}
    if any(option_id not in option_ids for option_id in values):
        raise DomainError(_l("That option is not one of this question's options. Reload the page."))
    if question.kind == QuestionKind.CHOICE:
        return check_choice(question, values, other_text)
    if question.kind == QuestionKind.SCALE:
        check_scale(question, values)
    else:
        check_ranking(question, values)
    return ""


def check_choice(question: Question, values: Mapping[int, int], other_text: str) -> str:
    other = clean_text(other_text, max_length=OTHER_MAX_LENGTH, required=False, field="other_text") \
        if question.allow_other else ""
    if other_text and other_text.strip() and not question.allow_other:
        raise DomainError(_l("This question has no “other” answer."))
    if any(value != 1 for value in values.values()):
        raise DomainError(_l("That option is not one of this question's options. Reload the page."))
    chosen = len(values) + (1 if other else 0)
    if chosen == 0:
        raise DomainError(_l("Please choose an answer first."))
    if not question.multiple and chosen > 1:
        raise DomainError(_l("Please choose one answer only."))
    if question.multiple and question.max_choices and chosen > question.max_choices:
        raise DomainError(ngettext("Please choose at most %(num)d answer.",
                                   "Please choose at most %(num)d answers.", question.max_choices))
    return other


def check_scale(question: Question, values: Mapping[int, int]) -> None:
    if not values:
        raise DomainError(_l("Please choose a value on the scale first."))
    if any(not question.scale_min <= value <= question.scale_max for value in values.values()):
        raise DomainError(_l("Please choose a value from %(min)d to %(max)d.",
                             min=question.scale_min, max=question.scale_max))


def check_ranking(question: Question, values: Mapping[int, int]) -> None:
    count = len(question.options)
    places = sorted(values.values())
    if len(values) < count:
        raise DomainError(_l("Please give every option a place from 1 to %(max)d.", max=count))
    if any(not 1 <= place <= count for place in places):
        raise DomainError(_l("Please give every option a place from 1 to %(max)d.", max=count))
    if len(set(places)) != len(places):
        raise DomainError(_l("Two options have the same place. Give each option a different place."))


def values_from_form(question: Question, form) -> tuple[dict[int, int], str]:
    """The answer a plain HTML form sent (``form`` is a MultiDict): (values, other text).
    Text where a number belongs is refused with a message, never a 500."""
    other_text = form.get("other_text", "")
    if question.kind == QuestionKind.CHOICE:
        ticked = form.getlist("option")
        if OTHER not in ticked:
            other_text = ""
        return {whole_number(raw): 1 for raw in ticked if raw != OTHER}, other_text
    prefix = "rate-" if question.kind == QuestionKind.SCALE else "rank-"
    values = {whole_number(name[len(prefix):]): whole_number(raw)
              for name, raw in form.items() if name.startswith(prefix) and raw.strip()}
    return values, ""


def whole_number(raw: str) -> int:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise DomainError(_l("Please use whole numbers."))
    return int(raw)


def own_answer(participant: Participant, question: Question) -> Answer | None:
    return db.session.scalar(select(Answer).where(Answer.question_id == question.id,
                                                  Answer.participant_id == participant.id))


def own_values(participant: Participant, question: Question) -> tuple[dict[int, int], str]:
    """What the phone shows as already answered: (option id → value, "other" text)."""
    answer = own_answer(participant, question)
    if answer is None:
        return {}, ""
    return {item.option_id: item.value for item in answer.items}, answer.other_text


def count_answers(question: Question) -> int:
    """How many people have answered: one each, however often they changed their mind."""
    return int(db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question.id)) or 0)


def answer_counts(workshop) -> dict[int, int]:
    """How many people answered each question of a workshop: the console's live count."""
    rows = db.session.execute(select(Answer.question_id, func.count(Answer.id))
                              .where(Answer.workshop_id == workshop.id).group_by(Answer.question_id))
    return {question_id: int(count) for question_id, count in rows}


def other_answers(question: Question) -> list[Answer]:
    """The answers with an "other" text, for the facilitator to approve, hide or show again."""
    return list(db.session.scalars(select(Answer).where(Answer.question_id == question.id, Answer.other_text != "")
                                   .order_by(Answer.id)))


def set_other_status(actor, answer: Answer, status: str) -> Answer:
    """Show (approve) or hide an "other" text: free text is moderated wherever it appears. The
    choice itself still counts; only the words are kept off the screens."""
    if status not in (SuggestionStatus.VISIBLE, SuggestionStatus.HIDDEN):
        raise DomainError(_l("Unknown status."))
    answer.other_status = status
    question = db.session.get(Question, answer.question_id)
    record(question.workshop, actor, "other_" + status, question=question.id, text=answer.other_text[:200])
    next_event_seq(question.workshop)
    db.session.flush()
    return answer
