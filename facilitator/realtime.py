"""Live updates over Socket.IO: who hears what, and the pushes themselves.

Writes never arrive here; they are HTTP POSTs. The socket only pushes HTML
fragments that the server rendered once for the whole room, after the
database commit that they announce.

Rooms: every live view of a workshop is in ``workshop.room`` (suggestions,
question changes); projectors and consoles also in ``workshop.screen_room``
(the rendered stage, which phones do not need); consoles in
``workshop.host_room``.

A room's pushes are coalesced (``Pusher``): the first change after a quiet
spell goes out at once, later ones wait for a window that grows with the room
(``LIVE_COALESCE_SECONDS_PER_1000`` connections, at most
``LIVE_COALESCE_SECONDS``), so a burst of a hundred suggestions a second
reaches two thousand phones as a few messages a second (nobody can read a
hundred items a second one by one anyway). Tests set the maximum to 0: every
change is sent at once, in the request.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, render_template, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from .extensions import db, socketio
from .i18n import workshop_locale
from .models import Suggestion, SuggestionStatus, Workshop
from .services.participants import get_participant
from .services.workshops import can_steer, get_workshop_by_code

# Phones refetch their panel after a question change; spreading the requests over this many
# milliseconds per thousand phones (at most 15 s) keeps the server calm. A panel costs about
# 5 ms of one process's time (profiled in-process with 50 room suggestions listed), so a
# thousand phones take 5 s of it whatever the spread: a shorter one only queues them, and every
# send waits behind the queue.
REFRESH_SPREAD_MS_PER_1000 = 5000
# A push that carries this many suggestions means they arrive faster than the room's pushes.
BURST_ITEMS_PER_PUSH = 3


def init_app(app: Flask) -> None:
    origins = app.config["PUBLIC_URL"] or None
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        channel=app.config["SOCKETIO_CHANNEL"],
        # None means same-origin only: the Origin header must match the Host.
        cors_allowed_origins=[origins] if origins else None,
        max_http_buffer_size=16 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    app.extensions["live_pusher"] = Pusher(app)


@socketio.on("connect")
def on_connect(auth=None):
    """Join the rooms this browser's identity allows, or refuse the connection."""
    code = (auth or {}).get("workshop") if isinstance(auth, dict) else None
    workshop = get_workshop_by_code(code or "") if isinstance(code, str) else None
    if workshop is None:
        raise ConnectionRefusedError("unknown workshop")
    if can_steer(current_user, workshop):
        for room in (workshop.room, workshop.screen_room, workshop.host_room):
            join_room(room)
        return True
    token = session.get("participants", {}).get(str(workshop.id))
    if get_participant(workshop, token) is not None:
        join_room(workshop.room)
        return True
    raise ConnectionRefusedError("not allowed")


@dataclass
class Pending:
    """What one workshop's rooms are still to receive."""
    seq: int = 0
    suggestions: dict[int, dict] = field(default_factory=dict)
    stage: bool = False
    questions: bool = False
    console: bool = False
    # Who caused the console changes: their own console already shows them.
    console_by: set = field(default_factory=set)


class Pusher:
    """Coalesces a workshop's pushes and sends them from a background task, never from the
    request that caused them.

    The first change after a quiet spell goes out at once (leading edge), so a seminar of
    thirty sees each suggestion as soon as a bare server would show it. Changes that follow
    within the room's window wait for the window to pass and go out together. The window grows
    with the room, because what a push costs is one message per connected screen: a room of
    2,000 phones gets a few messages a second however fast suggestions arrive, a room of 30
    gets every suggestion on its own.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self.pending: dict[int, Pending] = {}
        self.last_flush: dict[int, float] = {}
        self.window: dict[int, float] = {}

    def add(self, workshop_id: int, seq: int = 0, **changes) -> None:
        with self.lock:
            scheduled = workshop_id in self.pending
            pending = self.pending.setdefault(workshop_id, Pending())
            pending.seq = max(pending.seq, seq)
            pending.suggestions.update(changes.pop("suggestions", {}))
            if changes.get("console"):
                pending.console_by.add(acting_facilitator_id())
            for name, value in changes.items():
                setattr(pending, name, getattr(pending, name) or value)
            wait = max(0.0, self.last_flush.get(workshop_id, -1e9) + self.window.get(workshop_id, 0.0)
                       - time.monotonic())
        if not self.app.config["LIVE_COALESCE_SECONDS"]:
            self.flush(workshop_id)
        elif not scheduled:
            socketio.start_background_task(self.flush_later, workshop_id, wait)

    def flush_later(self, workshop_id: int, wait: float) -> None:
        if wait:
            socketio.sleep(wait)
        # Fragments use url_for, which needs a request context; none is under way here.
        with self.app.test_request_context("/"):
            try:
                self.flush(workshop_id)
            except Exception:  # a push that fails must not kill the next ones; the views resync
                self.app.logger.exception("live push for workshop %s failed", workshop_id)
            finally:
                db.session.remove()

    def flush(self, workshop_id: int) -> None:
        with self.lock:
            pending = self.pending.pop(workshop_id, None)
            self.last_flush[workshop_id] = time.monotonic()
        if pending is None:
            return
        everyone, _screens, consoles = Workshop.rooms_of(workshop_id)
        if pending.suggestions:
            items = sorted(pending.suggestions.values(), key=lambda item: item["seq"])
            socketio.emit("suggestions", {"items": items}, to=everyone)
        if pending.stage:
            # The only push that reads the database: the projector's stage, rendered once.
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is not None:
                push_stage(workshop)
        if pending.questions:
            push_questions(workshop_id, pending.seq)
        if pending.console:
            by = next(iter(pending.console_by)) if len(pending.console_by) == 1 else None
            socketio.emit("console", {"seq": pending.seq, "by": by}, to=consoles)
        self.window[workshop_id] = self.window_for(room_size(everyone), len(pending.suggestions))

    def window_for(self, connected: int, carried: int = 1) -> float:
        """How long a room's later changes wait to be sent together: longer in a larger room,
        and twice as long while suggestions arrive faster than one per push (a burst), so that
        pushing never takes the time the server needs to accept the burst."""
        config = self.app.config
        window = config["LIVE_COALESCE_SECONDS_PER_1000"] * connected / 1000
        if carried >= BURST_ITEMS_PER_PUSH:
            window *= 2
        return min(config["LIVE_COALESCE_SECONDS"], window)


def acting_facilitator_id() -> int | None:
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def pusher() -> Pusher:
    return current_app.extensions["live_pusher"]


def suggestion_item(workshop: Workshop, suggestion: Suggestion) -> dict:
    """A suggestion as pushed: its fragment, rendered once, and whether views should show it."""
    shown = suggestion.status == SuggestionStatus.VISIBLE and not workshop.results_hidden
    html = ""
    if shown:
        with workshop_locale(workshop):
            html = render_template("_suggestion.html", suggestion=suggestion)
    return {"id": suggestion.id, "question_id": suggestion.question_id, "seq": suggestion.seq,
            "shown": shown, "html": html}


def broadcast_suggestion(workshop: Workshop, suggestion: Suggestion) -> None:
    """A new or changed suggestion: phones, projectors and consoles update in place."""
    pusher().add(workshop.id, workshop.event_seq,
                 suggestions={suggestion.id: suggestion_item(workshop, suggestion)},
                 stage=workshop.projector_view != "list" or workshop.projector_group != "none",
                 console=True)


def broadcast_stage(workshop: Workshop) -> None:
    """The current or open questions changed: new stage for screens, refetch for phones."""
    pusher().add(workshop.id, workshop.event_seq, stage=True, questions=True, console=True)


def broadcast_screens(workshop: Workshop) -> None:
    """Only what the projector and consoles show changed (view, grouping, votes, themes)."""
    pusher().add(workshop.id, workshop.event_seq, stage=True, console=True)


def broadcast_status(workshop: Workshop) -> None:
    """The workshop went live or closed: every view reloads its whole page."""
    socketio.emit("status", {"status": workshop.status, "by": acting_facilitator_id()}, to=workshop.room)


def push_stage(workshop: Workshop) -> None:
    from .projector import render_stage
    with workshop_locale(workshop):
        html = render_stage(workshop)
    socketio.emit("stage", {"seq": workshop.event_seq, "html": html}, to=workshop.screen_room)


def push_questions(workshop_id: int, seq: int) -> None:
    everyone = Workshop.rooms_of(workshop_id)[0]
    spread = min(15000, REFRESH_SPREAD_MS_PER_1000 * room_size(everyone) // 1000)
    socketio.emit("questions", {"seq": seq, "spread_ms": spread}, to=everyone)


def room_size(room: str) -> int:
    try:
        return sum(1 for _ in socketio.server.manager.get_participants("/", room))
    except (KeyError, AttributeError, TypeError):
        return 0
