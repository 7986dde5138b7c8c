"""What a change must tell the room, recorded beside the change and told only once it is stored.

A view or a service that changes something the room sees records an announcement here
(``announcements.suggestion(workshop, suggestion)``, ``announcements.stage(workshop)`` …) on
the database session, in the same transaction as the change. Nothing is sent yet: the request's
one commit (facilitator.web.unit_of_work) stores the change, SQLAlchemy's ``after_commit``
moves the announcements to the committed list, and only then does the live layer publish them.
A rollback (a refused change, or a commit that failed) drops them: a room never hears of
something that was not stored.

Announcements are plain data (ids, a kind, a status), so that the domain needs nothing of the
live layer, and so that publishing never needs the ORM objects to be still attached.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from facilitator.infra.extensions import db

PENDING = "announcements.pending"
KEPT = "announcements.kept"
LISTENERS = "announcement_listeners"
COMMITTED = "announcements.committed"

# What changed, and so who must hear of it:
SUGGESTION = "suggestion"  # one suggestion, new or changed: every view of the room updates it
QUESTIONS = "questions"    # the current or open questions: new stage for screens, phones refetch
STAGE = "stage"            # what only the projector and consoles show (view, votes, themes)
ANSWERS = "answers"        # poll answers: the projector's results, at a calmer pace than suggestions
UPVOTES = "upvotes"        # a question to the panel gained or lost an upvote: every phone's count
CONSOLE = "console"        # what only consoles show
STATUS = "status"          # the workshop went live, closed or was deleted: views reload
MINUTES = "minutes"        # the minutes' content is final for now: their PDFs may be laid out


@dataclass(frozen=True)
class Announcement:
    kind: str
    workshop_id: int
    suggestion_id: int | None = None
    status: str | None = None


def suggestion(workshop, suggestion) -> None:
    """A new or changed suggestion (its text, status, pin, theme or merge)."""
    record(Announcement(SUGGESTION, workshop.id, suggestion_id=suggestion.id))
    # The session's identity map holds its objects weakly: once the view returns, a suggestion
    # inserted with RETURNING (never dirty, so never held by the session) and its question would
    # be gone, and rendering the pushed fragment before the commit would read both again.
    db.session().info.setdefault(KEPT, []).extend((workshop, suggestion))


def questions(workshop) -> None:
    record(Announcement(QUESTIONS, workshop.id))


def stage(workshop) -> None:
    record(Announcement(STAGE, workshop.id))


def answers(workshop) -> None:
    record(Announcement(ANSWERS, workshop.id))


def upvotes(workshop, suggestion) -> None:
    """A question to the panel's upvotes changed: the projector's list and every phone's count."""
    record(Announcement(ANSWERS, workshop.id))
    record(Announcement(UPVOTES, workshop.id, suggestion_id=suggestion.id))


def console(workshop) -> None:
    record(Announcement(CONSOLE, workshop.id))


def status(workshop) -> None:
    """Carries the status itself: a deleted workshop has no row left to read it from."""
    record(Announcement(STATUS, workshop.id, status=workshop.status))


def minutes(workshop) -> None:
    record(Announcement(MINUTES, workshop.id))


def record(announcement: Announcement, session: Session | None = None) -> None:
    """Keep an announcement until the transaction it belongs to commits (or drop it with it)."""
    session = session or db.session()
    if not session.in_transaction():
        # Belong to a transaction even before its first statement, so that its rollback drops
        # this too (a rollback with no transaction begun fires no event). No connection is taken.
        session.begin()
    pending = session.info.setdefault(PENDING, [])
    if announcement not in pending:  # told once per commit, however often it was recorded
        pending.append(announcement)


def pending(session: Session | None = None) -> list[Announcement]:
    """What the open transaction has recorded so far (to prepare before its commit)."""
    return list((session or db.session()).info.get(PENDING, ()))


def take_committed(session: Session | None = None) -> list[Announcement]:
    """The announcements of the transactions committed so far, handed over once."""
    return (session or db.session()).info.pop(COMMITTED, [])


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # No SQL may run in this event: the announcements only change hands here, and are published
    # by whoever committed, once commit() has returned (web.unit_of_work).
    session.info.pop(KEPT, None)
    pending = session.info.pop(PENDING, None)
    if pending:
        session.info.setdefault(COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    # Every rollback, a failed commit's included. A savepoint's rollback (begin_nested, used to
    # try an insert) leaves the outer transaction and what it recorded alive.
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)
        session.info.pop(KEPT, None)


@dataclass(frozen=True)
class Listener:
    """Who hears committed announcements (the live layer registers itself at start-up).

    ``prepare`` runs just before the commit, inside the transaction, and returns what it
    needs later (e.g. rendered fragments); ``publish`` runs after a successful commit with the
    announcements and that preparation. The domain and the web layer so never import the
    live layer: it subscribes here."""
    prepare: Callable[[list[Announcement]], object]
    publish: Callable[[list[Announcement], object], None]


def listen(app, listener: Listener) -> None:
    app.extensions.setdefault(LISTENERS, []).append(listener)


def prepare_for_listeners(app) -> list:
    """Before the commit: each listener's preparation of what the transaction recorded."""
    told = pending()
    return [listener.prepare(told) for listener in app.extensions.get(LISTENERS, ())] if told else []


def publish_committed(app, prepared: list) -> list[Announcement]:
    """After the commit: hand what was committed to every listener, once; returns it."""
    told = take_committed()
    if told:
        for listener, preparation in zip(app.extensions.get(LISTENERS, ()), prepared or repeat(None), strict=False):
            listener.publish(told, preparation)
    return told
