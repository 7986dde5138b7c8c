"""Possible duplicates on the moderation board, found as suggestions arrive, and dismissed pairs.

Where the work runs: in the console's own request, when it draws the board. Every console
already refetches its board when a suggestion arrives (the live push), so that refetch is
the moment a new suggestion is compared with the others; the request that sends a suggestion
never imports or runs the engine, nor does the projector. A background greenlet fed after
the commit was the other way: under gevent it would run on the same thread as the sends
anyway, it would work in every process for every suggestion even when no console watches,
and its result would still need a push of its own.

Each process keeps one ``DuplicateIndex`` per question (``DuplicateIndexes``, held in
``app.extensions``) and feeds it only what is new: about a millisecond per suggestion at
2,000 (bench/results/synthesis.md). The index holds *every* suggestion of the question, in
the order of their ids, with the words the participant sent (``original_text``), whatever its
status now. So it is a function of the database alone: a process that starts later, or
another process behind the load balancer, builds the same index and proposes the same pairs,
and hiding, merging or editing a suggestion never forces a rebuild. What is shown is then
filtered: only pairs whose two suggestions are both visible now, and that nobody dismissed.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from facilitator.services import DomainError
from facilitator.services.moderation import record
from facilitator.infra.extensions import db
from facilitator.models import DuplicateDismissal, Facilitator, Suggestion, SuggestionStatus, Workshop

# Questions whose index a process keeps; the least recently drawn one goes first.
KEPT_QUESTIONS = 64


@dataclass
class QuestionIndex:
    """One question's index, the ids fed to it in order, and what each one was found to resemble."""
    language: str
    index: object
    ids: list[int] = field(default_factory=list)
    pairs: list = field(default_factory=list)


class DuplicateIndexes:
    """This process's duplicate indexes, one per question, fed incrementally."""

    def __init__(self, capacity: int = KEPT_QUESTIONS):
        self.capacity = capacity
        self.entries: OrderedDict[int, QuestionIndex] = OrderedDict()
        self.lock = threading.Lock()

    def pairs(self, question_id: int, language: str, items: list[tuple[int, str]]) -> list:
        """Every pair found among ``items`` (id, text in id order), adding only the new ones."""
        with self.lock:
            entry = self.entries.get(question_id)
            if entry is None or entry.language != language or \
                    entry.ids != [item_id for item_id, _ in items[:len(entry.ids)]]:
                entry = self._fresh(language)
            for item_id, text in items[len(entry.ids):]:
                entry.pairs += entry.index.add(item_id, text)
                entry.ids.append(item_id)
            self.entries[question_id] = entry
            self.entries.move_to_end(question_id)
            while len(self.entries) > self.capacity:
                self.entries.popitem(last=False)
            return list(entry.pairs)

    @staticmethod
    def _fresh(language: str) -> QuestionIndex:
        # Imported here: numpy and scipy load when a console first draws a board, not at start.
        from facilitator.services.synthesis.duplicates import DuplicateIndex
        return QuestionIndex(language, DuplicateIndex(language))


def process_indexes() -> DuplicateIndexes:
    """The indexes of this process (one set per app, so tests' apps never share them)."""
    return current_app.extensions.setdefault("duplicate_indexes", DuplicateIndexes())


@dataclass(frozen=True)
class PossibleDuplicate:
    """On the board: ``suggestion`` may say what the older ``like`` says."""
    suggestion: Suggestion
    like: Suggestion
    score: float


def possible_duplicates(workshop: Workshop, rows: list[Suggestion],
                        indexes: DuplicateIndexes | None = None) -> dict[int, list[PossibleDuplicate]]:
    """A question's likely duplicates, by the id of the newer suggestion of each pair, best first.

    ``rows`` are all the question's suggestions, whatever their status; only visible ones of
    this workshop are proposed, and never a pair someone dismissed."""
    rows = sorted((s for s in rows if s.workshop_id == workshop.id), key=lambda s: s.id)
    if not rows:
        return {}
    indexes = indexes or process_indexes()
    found = indexes.pairs(rows[0].question_id, workshop.language, [(s.id, s.original_text) for s in rows])
    visible = {s.id: s for s in rows if s.status == SuggestionStatus.VISIBLE}
    dismissed = dismissed_pairs(workshop)
    flagged: dict[int, list[PossibleDuplicate]] = {}
    for pair in found:
        if pair.a in visible and pair.b in visible and frozenset((pair.a, pair.b)) not in dismissed:
            flagged.setdefault(pair.a, []).append(PossibleDuplicate(visible[pair.a], visible[pair.b], pair.score))
    for duplicates in flagged.values():
        duplicates.sort(key=lambda duplicate: -duplicate.score)
    return flagged


def dismissed_pairs(workshop: Workshop) -> set[frozenset[int]]:
    """The pairs of this workshop that a facilitator said are not duplicates."""
    rows = db.session.execute(select(DuplicateDismissal.first_id, DuplicateDismissal.second_id)
                              .where(DuplicateDismissal.workshop_id == workshop.id))
    return {frozenset(row) for row in rows}


def dismiss_duplicate(actor: Facilitator, suggestion: Suggestion, other: Suggestion) -> None:
    """Say that two suggestions are not duplicates: the pair is not proposed again."""
    if suggestion.id == other.id or suggestion.workshop_id != other.workshop_id:
        raise DomainError(_l("Choose two suggestions of the same workshop."))
    if suggestion.question_id != other.question_id:
        raise DomainError(_l("Only suggestions to the same question can be duplicates."))
    first, second = sorted((suggestion.id, other.id))
    try:
        # Two facilitators may dismiss the same pair at once: the second changes nothing.
        with db.session.begin_nested():
            db.session.add(DuplicateDismissal(workshop_id=suggestion.workshop_id, first_id=first,
                                              second_id=second, dismissed_by_id=actor.id if actor else None))
    except IntegrityError:
        return
    record(db.session.get(Workshop, suggestion.workshop_id), actor, "dismiss_duplicate", suggestion,
           other=other.id)
