"""The data model: workshops, their questions, participants and suggestions.

The model already carries what later features fill in (tables, rounds,
moderation, votes, themes, actions, minutes revisions), so the core loop's
tables never need reshaping when those arrive.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timezone
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
    Sequence, Time, UniqueConstraint, false as sa_false, select, func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from facilitator.infra.extensions import db

# One sequence of event numbers for every workshop, on PostgreSQL (SQLite ignores it).
EVENT_SEQUENCE = Sequence("event_seq", metadata=db.metadata)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and returns them aware, on SQLite too
    (which would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use UTC-aware datetimes")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class WorkshopStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"


class SuggestionStatus(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"       # hidden by a moderator; kept for the record
    PENDING = "pending"     # waiting for approval under pre-moderation
    MERGED = "merged"       # folded into another suggestion (merged_into_id)


class QuestionKind(StrEnum):
    TEXT = "text"           # open text: suggestions, as always
    CHOICE = "choice"       # multiple choice among the facilitator's options
    SCALE = "scale"         # one or several statements rated on one scale
    RANKING = "ranking"     # the options put in order
    QANDA = "qanda"         # questions to the panel, upvoted by the room


class AccountRole(StrEnum):
    ADMINISTRATOR = "administrator"
    FACILITATOR = "facilitator"


class Facilitator(UserMixin, db.Model):
    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Part of the login cookie's identity: changing it logs out every browser.
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "administrator" manages the accounts and sees the installation's health; "facilitator"
    # creates and runs workshops (an administrator does that too).
    role: Mapped[str] = mapped_column(String(16), default=AccountRole.FACILITATOR)
    # A deactivated account cannot log in; its workshops and their co-facilitators stay.
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list[WorkshopFacilitator]] = relationship(
        back_populates="facilitator", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("role in ('administrator', 'facilitator')", name="role"),)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to log in an inactive account."""
        return self.active

    @property
    def is_administrator(self) -> bool:
        return self.role == AccountRole.ADMINISTRATOR


class Workshop(db.Model):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date | None] = mapped_column(Date)
    # Wall-clock times at the venue, not instants: hence not *_at.
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    program: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=WorkshopStatus.DRAFT)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    joining_open: Mapped[bool] = mapped_column(Boolean, default=True)
    passcode: Mapped[str | None] = mapped_column(String(64))
    moderation: Mapped[str] = mapped_column(String(8), default="post")
    results_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Results page for participants: published early by the facilitator, or shown once
    # closed, unless the facilitator keeps it private.
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    results_private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Café dialogue: "same" = every table takes the round's question; "rotate" =
    # each table keeps its own question and the groups move between tables.
    table_mode: Mapped[str] = mapped_column(String(8), default="same")
    # What the projector shows: the list, a word cloud, the live tally, or the ranking,
    # and how the list is grouped.
    projector_view: Mapped[str] = mapped_column(String(16), default="list")
    projector_group: Mapped[str] = mapped_column(String(16), default="none")
    vote_budget: Mapped[int] = mapped_column(Integer, default=5)
    vote_max_per_item: Mapped[int] = mapped_column(Integer, default=3)
    # Photos of the tables: taken by each table's host and scribe, or by anyone seated when True.
    photos_from_everyone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # No foreign key on purpose: questions already point at workshops, and a
    # cycle of keys cannot be created portably on SQLite. Services clear it
    # when the question goes.
    current_question_id: Mapped[int | None] = mapped_column(Integer)
    # Bumped with every change pushed to live views, so a view that
    # reconnects can tell what it has already seen. On PostgreSQL the numbers come from
    # EVENT_SEQUENCE instead, and this column keeps the last number the workshop was given on
    # SQLite or by an import (services.workshops.next_event_seq says why).
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Deleted this many days after closing, unless archived (kept for the record).
    retention_days: Mapped[int | None] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    went_live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The meeting this one was planned from (a forum that meets four times a year), whose open
    # actions it carried over; cleared when that meeting is deleted.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"))

    follows: Mapped[Workshop | None] = relationship(remote_side="Workshop.id", foreign_keys=[follows_id])
    questions: Mapped[list[Question]] = relationship(
        back_populates="workshop", order_by="Question.position", cascade="all, delete-orphan",
        foreign_keys="Question.workshop_id")
    current_question: Mapped[Question | None] = relationship(
        primaryjoin="foreign(Workshop.current_question_id) == Question.id", viewonly=True)
    members: Mapped[list[WorkshopFacilitator]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan")
    tables: Mapped[list[CafeTable]] = relationship(
        back_populates="workshop", order_by="CafeTable.number", cascade="all, delete-orphan")
    rounds: Mapped[list[Round]] = relationship(
        back_populates="workshop", order_by="Round.number", cascade="all, delete-orphan")
    minutes_revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="workshop", order_by="MinutesRevision.number", cascade="all, delete-orphan")
    themes: Mapped[list[Theme]] = relationship(order_by="Theme.position", cascade="all, delete-orphan")
    actions: Mapped[list[Action]] = relationship(order_by="Action.id", cascade="all, delete-orphan")
    # Deleted by the database's cascade, so deleting a workshop never loads its photos' bytes.
    photos: Mapped[list[TablePhoto]] = relationship(
        order_by="TablePhoto.id", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint("status in ('draft', 'live', 'closed')", name="status"),
        CheckConstraint("moderation in ('post', 'pre')", name="moderation"),
    )

    @property
    def is_live(self) -> bool:
        return self.status == WorkshopStatus.LIVE

    @staticmethod
    def rooms_of(workshop_id: int) -> tuple[str, str, str]:
        """A workshop's Socket.IO rooms, named from its id alone (pushes need no database):
        everything shown to the projector and phones; projectors and consoles (the rendered
        stage goes only there); the facilitators' consoles."""
        return f"workshop:{workshop_id}", f"screen:{workshop_id}", f"host:{workshop_id}"

    @property
    def room(self) -> str:
        return self.rooms_of(self.id)[0]

    @property
    def screen_room(self) -> str:
        return self.rooms_of(self.id)[1]

    @property
    def host_room(self) -> str:
        return self.rooms_of(self.id)[2]

    @property
    def open_questions(self) -> list[Question]:
        return [q for q in self.questions if q.is_open]

    @property
    def owner(self) -> Facilitator | None:
        return next((m.facilitator for m in self.members if m.role == "owner"), None)


class WorkshopFacilitator(db.Model):
    """Who may steer a workshop: its owner and any co-facilitators."""
    __tablename__ = "workshop_facilitators"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8), default="owner")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="members")
    facilitator: Mapped[Facilitator] = relationship(back_populates="memberships")


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    # Open questions accept suggestions from phones.
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    voting_open: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when voting closes, so the ranking can be shown as final.
    voting_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What the room does with it (QuestionKind); open text, the original, is the default.
    kind: Mapped[str] = mapped_column(String(16), default="text", server_default="text")
    # Multiple choice: several options may be ticked (at most max_choices when set), and an
    # "other" box takes free text.
    multiple: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    max_choices: Mapped[int | None] = mapped_column(Integer)
    allow_other: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Scale: its ends (1-5, 1-7 or 0-10) and what they mean.
    scale_min: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    scale_max: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    low_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    high_label: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # Ranking: the open question whose suggestions became the options (after a café round).
    ranking_source_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    # Questions to the panel: each one waits for the facilitator before the room sees it.
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    workshop: Mapped[Workshop] = relationship(
        back_populates="questions", foreign_keys=[workshop_id])
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan",
        foreign_keys="QuestionOption.question_id")

    __table_args__ = (
        CheckConstraint("kind in ('text', 'choice', 'scale', 'ranking', 'qanda')", name="kind"),
    )

    @property
    def takes_suggestions(self) -> bool:
        """Open text and questions to the panel collect suggestions; the other kinds collect answers."""
        return self.kind in (QuestionKind.TEXT, QuestionKind.QANDA)

    @property
    def voting_state(self) -> str:
        if self.voting_open:
            return "open"
        return "closed" if self.voting_closed_at else "none"
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="question", order_by="Suggestion.id", cascade="all, delete-orphan")


class CafeTable(db.Model):
    """A table of a café dialogue, optionally with its own question (rotating form)."""
    __tablename__ = "cafe_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120), default="")
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))

    workshop: Mapped[Workshop] = relationship(back_populates="tables")
    question: Mapped[Question | None] = relationship()

    __table_args__ = (UniqueConstraint("workshop_id", "number"),)


class Round(db.Model):
    """A timed round of a café dialogue; end time kept by the server so every screen agrees."""
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=900)
    # The round's question when every table discusses the same one.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the facilitator ends a round before its time is up.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    workshop: Mapped[Workshop] = relationship(back_populates="rounds")

    __table_args__ = (UniqueConstraint("workshop_id", "number"),)


class Participant(db.Model):
    """A phone that joined a workshop. Anonymous: no account, no address stored."""
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    # The secret the phone's signed cookie carries; never shown to anyone.
    token: Mapped[str] = mapped_column(String(64), unique=True,
                                       default=lambda: secrets.token_urlsafe(24))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("cafe_tables.id", ondelete="SET NULL"))
    # The table host stays put between rounds and may write for the table;
    # a scribe writes for the table too but moves with the group.
    is_table_host: Mapped[bool] = mapped_column(Boolean, default=False)
    is_scribe: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped first thing in a vote, so concurrent votes of one person queue up
    # on this row (on SQLite and PostgreSQL alike) and the budget holds.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str | None] = mapped_column(String(8))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="participants")
    table: Mapped[CafeTable | None] = relationship()

    @property
    def writes_for_table(self) -> bool:
        return self.is_table_host or self.is_scribe


class Suggestion(db.Model):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True)
    # Set when a facilitator types a suggestion in (e.g. from a flip chart).
    author_facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"))
    table_id: Mapped[int | None] = mapped_column(ForeignKey("cafe_tables.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # What the participant wrote, kept when a moderator edits the text.
    original_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SuggestionStatus.VISIBLE)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL"))
    # Questions to the panel: when the panel answered it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Made by the phone when the person taps send; a retry carries the same id.
    client_id: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship(back_populates="suggestions")
    participant: Mapped[Participant | None] = relationship()
    table: Mapped[CafeTable | None] = relationship()
    round: Mapped[Round | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
    merged_into: Mapped[Suggestion | None] = relationship(remote_side="Suggestion.id")

    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_suggestions_question_status", "question_id", "status"),
        Index("ix_suggestions_workshop_seq", "workshop_id", "seq"),
        CheckConstraint("status in ('visible', 'hidden', 'pending', 'merged')", name="status"),
    )


class Vote(db.Model):
    """Dots a participant put on a suggestion (dot voting)."""
    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    dots: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("suggestion_id", "participant_id"),)


class QuestionOption(db.Model):
    """An option of a multiple-choice or ranking question, or a statement of a scale."""
    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(200))
    # The suggestion a ranking option was taken from, if it was.
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(back_populates="options", foreign_keys=[question_id])


class Answer(db.Model):
    """A participant's one current answer to a choice, scale or ranking question.

    A changed answer replaces the items of this row; the unique key keeps two racing first
    answers from both being stored."""
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    # The free text of "other", moderated like a suggestion (SuggestionStatus).
    other_text: Mapped[str] = mapped_column(Text, default="")
    other_status: Mapped[str] = mapped_column(String(16), default=SuggestionStatus.VISIBLE)
    # The phone's id of the send that stored it: a retry of that send changes nothing.
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    items: Mapped[list[AnswerItem]] = relationship(
        back_populates="answer", order_by="AnswerItem.id", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("question_id", "participant_id"),)


class AnswerItem(db.Model):
    """One option of an answer: ticked (value 1), rated on the scale (the value), or ranked
    (the place, 1 first)."""
    __tablename__ = "answer_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("question_options.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer, default=1)

    answer: Mapped[Answer] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("answer_id", "option_id"),)


class TablePhoto(db.Model):
    """A photo of a café table's paper cloth or flip chart, taken from a phone.

    The bytes live in the database (a BLOB on SQLite, bytea on PostgreSQL), not in files: every
    app process behind the load balancer reads them, the database's backup holds them, and
    deleting the workshop (on request or when its retention ends) deletes them in the same
    transaction. A photo is stored re-encoded, at most PHOTO_LONG_SIDE pixels long and without
    its EXIF data, so a few hundred kilobytes each (services.photos)."""
    __tablename__ = "table_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("cafe_tables.id", ondelete="SET NULL"))
    # The round under way (or the last one) and the question the table was discussing.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    # What the photo shows, in the phone's words: the alt text on every screen and in the minutes.
    caption: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # JPEG; loaded only when the picture itself is asked for.
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # Made by the phone for one upload; a retried upload carries the same id and is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    table: Mapped[CafeTable | None] = relationship()
    round: Mapped[Round | None] = relationship()
    question: Mapped[Question | None] = relationship()

    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)


class Theme(db.Model):
    """A named group of suggestions, made by the facilitator."""
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Action(db.Model):
    """A follow-up that a suggestion or theme became: what, who, when."""
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Still open when the previous meeting ended, and brought into this one to follow up.
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModerationEvent(db.Model):
    """Who changed what and when, so the minutes can be trusted."""
    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[Facilitator | None] = relationship()
    suggestion: Mapped[Suggestion | None] = relationship()


class DuplicateDismissal(db.Model):
    """Two suggestions a facilitator said are not duplicates: the pair is not proposed again.

    Stored lower id first, so a pair is one row whichever way round it was proposed."""
    __tablename__ = "duplicate_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("first_id", "second_id"),
                      CheckConstraint("first_id < second_id", name="ordered"))


class MinutesRevision(db.Model):
    """One saved version of the organiser's edits to the minutes.

    Edits are never overwritten: each save adds a revision, and a save based on
    an older revision than the latest is refused rather than silently winning.
    """
    __tablename__ = "minutes_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    opening_text: Mapped[str] = mapped_column(Text, default="")
    closing_text: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    participant_count: Mapped[int | None] = mapped_column(Integer)
    # What the organiser chose to include, as JSON (see services.minutes.MinutesOptions).
    options: Mapped[str] = mapped_column(Text, default="{}")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="minutes_revisions")

    __table_args__ = (UniqueConstraint("workshop_id", "number"),)


class WorkshopInvite(db.Model):
    """An invitation for a co-facilitator, by link (no e-mail) or for one address."""
    __tablename__ = "workshop_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True,
                                       default=lambda: secrets.token_urlsafe(24))
    email: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    workshop: Mapped[Workshop] = relationship()


class DeletionRecord(db.Model):
    """The audit trace of a deleted workshop: what went, when, why and by whom; no content."""
    __tablename__ = "deletion_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_title: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))  # "request" or "retention"
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    participants: Mapped[int] = mapped_column(Integer, default=0)
    suggestions: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def next_position(workshop_id: int) -> int:
    """Position after the last question of a workshop."""
    last = db.session.scalar(
        select(func.max(Question.position)).where(Question.workshop_id == workshop_id))
    return (last or 0) + 1


class AccountToken(db.Model):
    """A single-use link sent by e-mail: a password reset for an account, or a welcome (an
    administrator's invitation, a sign-up) for an address that has no account yet. Only the
    SHA-256 of the token is kept, so a copy of the database opens no account."""
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "reset", "invite" or "signup"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"))
    # The role an invitation gives; sign-ups always get "facilitator".
    role: Mapped[str] = mapped_column(String(16), default=AccountRole.FACILITATOR)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountEvent(db.Model):
    """The audit log of account changes: who did what to which account, and when. The
    addresses are copied, so the record outlives a renamed or removed account."""
    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32))
    # None: the command line or the person themselves before logging in (a reset, a sign-up).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    subject_email: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")


class PurgeRun(db.Model):
    """One run of the retention purge, recorded even when it deleted nothing, so the health
    page can tell a purge that ran from one that never did."""
    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    # The join codes of the deleted workshops, space-separated (no content).
    join_codes: Mapped[str] = mapped_column(Text, default="")
