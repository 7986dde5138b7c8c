"""A per-process cache of the two lookups every phone request makes: the workshop by its join
code and the participant by the token in the phone's cookie.

Finding them cost a SELECT each and the ORM's loading of a wide row, about 0.6 ms of a send's
CPU on SQLite and more on PostgreSQL (issue #17). What is kept are plain values (the rows'
columns as a dict), never ORM objects: each request gets a fresh instance built from them and
attached to its own session as if it had just been loaded, so lazy loads, ``session.get`` and
flushes behave as usual.

Freshness:
- Within this process, a commit that changed, deleted or cascaded into a cached row drops it
  (SQLAlchemy session events below): a workshop closed or a participant removed here is refused
  at the next request.
- Another process's change is seen within ``TTL_SECONDS``: entries expire after that. The live
  bus (facilitator.live.bus, Redis between processes) could replace the TTL: publish
  {"invalidate": "workshop", "id": ...} / {"invalidate": "participant", "token": ...} from
  ``_forget_after_commit`` and drop the entries in every process's bus listener; the TTL would
  then only guard against a lost message and could grow to minutes.
- Columns that change without the ORM noticing are left out and load on first access: the
  workshop's event counter and updated_at (a Core UPDATE per send on SQLite) and the
  participant's lock_version (a Core UPDATE per vote).
- Entries live at most TTL_SECONDS, so a phone that sends every half minute finds its
  participant row expired: the participant cache pays within a burst (join, the room page and
  its socket right after), the workshop cache on every request of a room.
"""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import event, inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from facilitator.models import CafeTable, Participant, Workshop

# How long another process's change to a workshop or participant can go unseen here: a send
# at most this long after a facilitator closed the workshop in another process is still
# accepted. Short against a person's reaction time, long against a hundred sends a second.
TTL_SECONDS = 2.0
# A room of thousands fits; beyond it the oldest entries make room (a bound against memory,
# not a tuning knob).
MAX_ENTRIES = 20_000

VOLATILE = {Workshop: ("event_seq", "updated_at"), Participant: ("lock_version",)}


def _columns(model) -> tuple[str, ...]:
    skip = set(VOLATILE.get(model, ()))
    return tuple(attr.key for attr in sa_inspect(model).column_attrs if attr.key not in skip)


WORKSHOP_COLUMNS = _columns(Workshop)
PARTICIPANT_COLUMNS = _columns(Participant)


class Lookups:
    """The cached rows of one app (one database): workshops by code, participants by token."""

    def __init__(self) -> None:
        self.workshops: dict[str, tuple[float, dict]] = {}
        self.participants: dict[str, tuple[float, dict]] = {}

    @staticmethod
    def _get(table: dict, key: str) -> dict | None:
        entry = table.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            table.pop(key, None)
            return None
        return entry[1]

    @staticmethod
    def _put(table: dict, key: str, values: dict) -> None:
        if len(table) >= MAX_ENTRIES:
            table.pop(next(iter(table)), None)
        table[key] = (time.monotonic() + TTL_SECONDS, values)

    def workshop(self, code: str) -> dict | None:
        return self._get(self.workshops, code)

    def participant(self, token: str) -> dict | None:
        return self._get(self.participants, token)

    def keep_workshop(self, workshop: Workshop) -> None:
        self._put(self.workshops, workshop.join_code, values_of(workshop, WORKSHOP_COLUMNS))

    def keep_participant(self, participant: Participant) -> None:
        self._put(self.participants, participant.token, values_of(participant, PARTICIPANT_COLUMNS))

    def forget_workshop(self, workshop_id: int | None, with_participants: bool) -> None:
        if workshop_id is None:
            self.clear()
            return
        for key, (_expires, values) in list(self.workshops.items()):
            if values["id"] == workshop_id:
                self.workshops.pop(key, None)
        if with_participants:
            self.forget_participants_of(workshop_id)

    def forget_participant(self, token: str) -> None:
        self.participants.pop(token, None)

    def forget_participants_of(self, workshop_id: int) -> None:
        for key, (_expires, values) in list(self.participants.items()):
            if values["workshop_id"] == workshop_id:
                self.participants.pop(key, None)

    def clear(self) -> None:
        self.workshops.clear()
        self.participants.clear()


def lookups() -> Lookups:
    """This app's cache (tests run several apps, each on its own database, in one process)."""
    extensions = current_app.extensions
    found = extensions.get("lookups")
    if found is None:
        found = extensions["lookups"] = Lookups()
    return found


def may_keep(session: Session) -> bool:
    """Rows read in a transaction that has itself changed workshops, participants or tables may
    hold values that are not committed (and may never be): they are not kept."""
    return "lookup_cache_forget" not in session.info


def values_of(instance, columns: tuple[str, ...]) -> dict:
    loaded = sa_inspect(instance).dict
    return {key: loaded[key] for key in columns if key in loaded}


def attach(session: Session, model, values: dict):
    """An instance of ``model`` with these committed column values, persistent in ``session``
    (no SELECT), or the one the session already holds for that row."""
    mapper = sa_inspect(model)
    key = mapper.identity_key_from_primary_key((values["id"],))
    held = session.identity_map.get(key)
    if held is not None:
        return held
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    # Commits the values as loaded and marks the columns left out as expired (loaded on access).
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


# --- Invalidation: what a commit changed is dropped once the commit has happened (before it,
# another request could read the old row again and keep it for the TTL).

def _pending(session: Session) -> list:
    return session.info.setdefault("lookup_cache_forget", [])


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context) -> None:
    pending = None
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, (Workshop, Participant, CafeTable)):
            pending = pending if pending is not None else _pending(session)
            pending.append(_describe(instance, instance in session.deleted))


def _describe(instance, deleted: bool) -> tuple:
    state = sa_inspect(instance)
    loaded = state.dict
    if isinstance(instance, Workshop):
        return ("workshop", state.identity[0] if state.identity else None, deleted)
    if isinstance(instance, Participant):
        # An expired participant (after an earlier commit) may not hold its token: drop its
        # workshop's participants, or all, rather than miss it.
        return ("participant", loaded.get("token"), loaded.get("workshop_id"))
    # A deleted table sets its participants' table_id to NULL in the database, unseen by the ORM.
    return ("table", loaded.get("workshop_id"), deleted)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    pending = session.info.pop("lookup_cache_forget", None)
    if not pending:
        return
    try:
        cache = lookups()
    except RuntimeError:  # committed outside an app context: no cache to drop from
        return
    for kind, first, second in pending:
        if kind == "workshop":
            # Deleting a workshop deletes its participants by the database's cascade.
            cache.forget_workshop(first, with_participants=second)
        elif kind == "participant":
            if first:
                cache.forget_participant(first)
            elif second is not None:
                cache.forget_participants_of(second)
            else:
                cache.participants.clear()
        elif second:
            if first is not None:
                cache.forget_participants_of(first)
            else:
                cache.participants.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_nothing_after_rollback(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop("lookup_cache_forget", None)
