"""Suggestions: accepting them from phones, exactly once, and listing them."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from facilitator.services import DomainError
from facilitator.services.text import clean_text
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import (
    EVENT_SEQUENCE, Facilitator, Participant, Question, Round, Suggestion, SuggestionStatus, Workshop,
    WorkshopStatus, utcnow,
)

CLIENT_ID_MAX_LENGTH = 64

# The statements of a send, built once: building a statement and its cache key costs more than
# SQLite takes to run it, and a conference sends a hundred a second.
LATEST_ROUND_ID = (select(Round.id).where(Round.workshop_id == bindparam("round_workshop_id"),
                                          Round.started_at.is_not(None))
                   .order_by(Round.number.desc()).limit(1))


def insert_once(insert, **values):
    """A send's INSERT: the round is looked up by the INSERT itself, and a retry (same
    participant and client_id) inserts nothing and returns no row."""
    return (insert(Suggestion).values(round_id=LATEST_ROUND_ID.scalar_subquery(), **values)
            .on_conflict_do_nothing(index_elements=["participant_id", "client_id"]).returning(Suggestion))


# On PostgreSQL the INSERT also takes the event number from the sequence (one round trip less);
# SQLite's counter is a row of its own (``next_event_seq``).
INSERT_ONCE = {"sqlite": insert_once(sqlite_insert),
               "postgresql": insert_once(postgresql_insert, seq=EVENT_SEQUENCE.next_value())}
OWN_TEXTS = (select(Suggestion.text)
             .where(Suggestion.participant_id == bindparam("participant_id"),
                    Suggestion.question_id == bindparam("question_id"))
             .order_by(Suggestion.id.desc()))


def submit_suggestion(participant: Participant, question: Question, text: str,
                      client_id: str | None = None) -> tuple[Suggestion, bool]:
    """Store a participant's suggestion once; returns (suggestion, created).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` stores it: a retry with the same
    ``client_id`` inserts nothing (the unique key decides, also when two copies race) and the
    stored original is returned. A first send, by far the common case, so costs no lookup
    beforehand, and no unit-of-work flush or savepoint: this is the hot path when a conference
    of thousands writes at once.
    """
    workshop = participant.workshop
    check_accepts(workshop, question)
    text = clean_text(text, max_length=current_app.config["SUGGESTION_MAX_LENGTH"], field="text")
    client_id = clean_client_id(client_id)
    values = dict(workshop_id=workshop.id, question_id=question.id, participant_id=participant.id,
                  table_id=participant.table_id, round_workshop_id=workshop.id, text=text,
                  original_text=text, client_id=client_id, status=initial_status(workshop, question))
    dialect = db.session.get_bind().dialect.name
    if dialect != "postgresql":
        # On a retry the number is taken and left unused; views only compare numbers, so a gap
        # is harmless (PostgreSQL's sequence leaves gaps anyway).
        values["seq"] = next_event_seq(workshop)
    suggestion = db.session.scalar(INSERT_ONCE[dialect], values)
    if suggestion is not None:
        # The number the broadcast carries, without marking the workshop as changed.
        set_committed_value(workshop, "event_seq", suggestion.seq)
        # Its question is the one just checked: rendering the suggestion needs no second load.
        set_committed_value(suggestion, "question", question)
        return suggestion, True
    existing = find_by_client_id(participant, client_id) if client_id else None
    if existing is None:  # cannot happen without a client_id: only the unique key conflicts
        raise AssertionError("a suggestion without a client id was not stored")
    return existing, False


def add_suggestion_as_facilitator(facilitator: Facilitator, question: Question, text: str) -> Suggestion:
    """A suggestion typed in by a facilitator (from a flip chart, say)."""
    text = clean_text(text, max_length=current_app.config["SUGGESTION_MAX_LENGTH"], field="text")
    workshop = question.workshop
    suggestion = Suggestion(
        workshop_id=workshop.id, question_id=question.id, author_facilitator_id=facilitator.id,
        round_id=latest_round_id(workshop), text=text, original_text=text,
        status=SuggestionStatus.VISIBLE)
    suggestion.seq = next_event_seq(workshop)
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def latest_round_id(workshop: Workshop) -> int | None:
    """Suggestions belong to the round under way, or to the last one until the next starts."""
    return db.session.scalar(LATEST_ROUND_ID, {"round_workshop_id": workshop.id})


def check_accepts(workshop: Workshop, question: Question) -> None:
    if question.workshop_id != workshop.id:
        raise DomainError(_l("That question belongs to another workshop."))
    if workshop.status != WorkshopStatus.LIVE:
        raise DomainError(_l("This workshop is not taking suggestions right now."))
    if not question.is_open:
        raise DomainError(_l("This question is closed for new suggestions."))
    if not question.takes_suggestions:
        raise DomainError(_l("This question is answered by choosing, not by writing a suggestion."))


def initial_status(workshop: Workshop, question: Question) -> str:
    """Pending under pre-moderation, and for a question to the panel the facilitator screens."""
    screened = workshop.moderation == "pre" or question.premoderated
    return SuggestionStatus.PENDING if screened else SuggestionStatus.VISIBLE


def clean_client_id(client_id: str | None) -> str | None:
    """Keep a phone's id only if it looks like one; a bad id must not block the text."""
    if not client_id:
        return None
    client_id = client_id.strip()
    if len(client_id) > CLIENT_ID_MAX_LENGTH or not all(c.isalnum() or c in "-_" for c in client_id):
        return None
    return client_id


def find_by_client_id(participant: Participant, client_id: str) -> Suggestion | None:
    return db.session.scalar(select(Suggestion).where(
        Suggestion.participant_id == participant.id, Suggestion.client_id == client_id))


def list_visible(question: Question) -> list[Suggestion]:
    """What the projector shows for a question: pinned first, then in arrival order."""
    return list(db.session.scalars(
        select(Suggestion).where(Suggestion.question_id == question.id,
                                 Suggestion.status == SuggestionStatus.VISIBLE)
        .order_by(Suggestion.pinned.desc(), Suggestion.id)))


def list_newest_visible(question: Question, limit: int) -> tuple[list, bool]:
    """The pinned and the ``limit`` newest shown suggestions, in the order ``list_visible`` gives,
    and whether older ones were left out: what a phone lists, however large the room. Rows of
    the four columns a list item shows, not whole suggestions: two thousand phones fetch this
    after every change of question."""
    columns = (Suggestion.id, Suggestion.seq, Suggestion.text, Suggestion.pinned)
    shown = (Suggestion.question_id == question.id, Suggestion.status == SuggestionStatus.VISIBLE)
    pinned = list(db.session.execute(select(*columns).where(*shown, Suggestion.pinned.is_(True))
                                     .order_by(Suggestion.id)))
    newest = list(db.session.execute(select(*columns).where(*shown, Suggestion.pinned.is_(False))
                                     .order_by(Suggestion.id.desc()).limit(limit + 1)))
    return pinned + newest[:limit][::-1], len(newest) > limit


def own_texts(participant: Participant, question: Question) -> list[str]:
    """The texts a participant sent to one question, newest first: all a send's answer shows."""
    return list(db.session.scalars(OWN_TEXTS, {"participant_id": participant.id,
                                               "question_id": question.id}))


def list_own(participant: Participant) -> dict[int, list[str]]:
    """The texts of a participant's own suggestions, newest first, keyed by question id."""
    rows = db.session.execute(
        select(Suggestion.question_id, Suggestion.text).where(Suggestion.participant_id == participant.id)
        .order_by(Suggestion.id.desc()))
    grouped: dict[int, list[str]] = {}
    for question_id, text in rows:
        grouped.setdefault(question_id, []).append(text)
    return grouped


def count_by_question(workshop: Workshop) -> dict[int, int]:
    rows = db.session.execute(
        select(Suggestion.question_id, func.count(Suggestion.id))
        .where(Suggestion.workshop_id == workshop.id,
               Suggestion.status != SuggestionStatus.MERGED)
        .group_by(Suggestion.question_id))
    return dict(rows.all())


def questions_for(participant: Participant) -> list[Question]:
    """The questions a phone answers now: its table's own question when groups rotate
    between tables, otherwise the open questions (the projector's first)."""
    workshop = participant.workshop
    table = participant.table
    if workshop.table_mode == "rotate" and table is not None and table.question is not None:
        return [table.question] if table.question.is_open else []
    return sorted(workshop.open_questions,
                  key=lambda q: (q.id != workshop.current_question_id, q.position))


def table_history(participant: Participant) -> list[Suggestion]:
    """What earlier groups wrote at the host's table: the host briefs the next group from it."""
    if participant.table_id is None:
        return []
    query = select(Suggestion).where(Suggestion.table_id == participant.table_id,
                                     Suggestion.status == SuggestionStatus.VISIBLE,
                                     Suggestion.round_id.is_not(None))
    running = db.session.scalar(select(Round.id).where(
        Round.workshop_id == participant.workshop_id, Round.ended_at.is_(None), Round.ends_at > utcnow()))
    if running is not None:
        # During a round the host sees what the groups before wrote, not the current group.
        query = query.where(Suggestion.round_id != running)
    return list(db.session.scalars(query.order_by(Suggestion.id)))
