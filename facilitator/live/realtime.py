"""Live updates over Socket.IO: who hears what, and the pushes themselves.

Writes never arrive here; they are HTTP POSTs. The socket only pushes HTML
fragments that the server rendered once for the whole room, after the
database commit that they announce.

Rooms: every live view of a workshop is in ``workshop.room`` (suggestions,
question changes); projectors and consoles also in ``workshop.screen_room``
(the rendered stage, which phones do not need); consoles in
``workshop.host_room``.

A room's pushes are coalesced (``Pusher``): the first changes after a quiet
spell go out at once, later ones wait for a window that grows with the room
(``LIVE_COALESCE_SECONDS_PER_1000`` connections, at most
``LIVE_COALESCE_SECONDS``), so a burst of a hundred suggestions a second
reaches two thousand phones as a few messages a second (nobody can read a
hundred items a second one by one anyway). Tests set the maximum to 0: every
change is sent at once, in the request.

Every process coalesces for the sockets it holds itself: a change is published
on the live bus (``live.bus``), every process hears it, and each pushes to its
own sockets only. With several processes a room still gets a few pushes a
second, not a few per process. The bus is the only transport between processes:
Socket.IO's own message queue is not used, and each process counts the sockets
of its rooms itself (``RoomCounts``), since it pushes to those only.

What to publish comes from the announcements a request recorded
(``services.announcements``), handed over after its commit
(``publish_announcements``).
"""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit
from dataclasses import dataclass, field

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from facilitator.infra.extensions import db, socketio
from facilitator.infra.i18n import workshop_locale
from facilitator.live.bus import bus_for
from facilitator.models import Suggestion, SuggestionStatus, Workshop
from facilitator.services import announcements
from facilitator.services.announcements import Announcement
from facilitator.services.participants import get_participant
from facilitator.services.qanda import upvote_counts
from facilitator.services.workshops import can_steer, get_workshop_by_code

# Phones refetch their panel after a question change; spreading the requests over this many
# milliseconds per thousand phones (at most 15 s) keeps the server calm. A panel costs about
# 5 ms of one process's time (profiled in-process with 50 room suggestions listed), so a
# thousand phones take 5 s of it whatever the spread: a shorter one only queues them, and every
# send waits behind the queue.
REFRESH_SPREAD_MS_PER_1000 = 5000
# A push that starts this much later than planned means the process is falling behind (a burst
# of sends queued up): the room's next pushes then wait twice as long, leaving the time to the sends.
BEHIND_SECONDS = 0.05
# Pushes a room may get in a row before the window spaces them (see Pusher).
PUSHES_IN_A_ROW = 2
# Poll answers move the projector's bars: at 30 answers a second each push would render the
# whole stage (about 2.3 ms) for a change nobody can follow answer by answer. Answers wait this
# long and go out together, so the bars move a few times a second; suggestions keep their window.
ANSWERS_WINDOW_SECONDS = 0.3


def init_app(app: Flask) -> None:
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=origin_check(app.config["PUBLIC_URL"]),
        max_http_buffer_size=16 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    # No message_queue: every change between processes goes over the live bus (see live.bus).
    app.extensions["live_rooms"] = RoomCounts()
    live_pusher = Pusher(app)
    app.extensions["live_pusher"] = live_pusher
    app.extensions["live_bus"] = bus_for(app.config["REDIS_URL"], f"{app.config['SOCKETIO_CHANNEL']}:live",
                                         live_pusher.receive)
    announcements.listen(app, announcements.Listener(prepare=prepare, publish=publish_announcements))


def origin_check(public_url: str):
    """Which page may open the socket (cross-site WebSocket hijacking): with PUBLIC_URL set, only
    that origin; else only the request's own scheme and Host.

    Socket.IO's own same-origin check also accepts whatever X-Forwarded-Host a client sends;
    here a forwarded host counts only when PROXY_COUNT says a proxy sets it, and then ProxyFix
    (security.init_wsgi) has already put it in the Host."""
    public = urlsplit(public_url) if public_url else None
    public_origin = f"{public.scheme}://{public.netloc}".lower() if public else None

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if not origin:
            return False
        own_origin = public_origin or f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.lower() == own_origin.lower()
    return is_allowed


@socketio.on("connect")
def on_connect(auth=None):
    """Join the rooms this browser's identity allows, or refuse the connection."""
    code = (auth or {}).get("workshop") if isinstance(auth, dict) else None
    workshop = get_workshop_by_code(code or "") if isinstance(code, str) else None
    if workshop is None:
        raise ConnectionRefusedError("unknown workshop")
    live_bus().listen()
    if can_steer(current_user, workshop):
        enter(workshop.room, workshop.screen_room, workshop.host_room)
        return True
    token = session.get("participants", {}).get(str(workshop.id))
    if get_participant(workshop, token) is not None:
        enter(workshop.room)
        return True
    raise ConnectionRefusedError("not allowed")


@socketio.on("disconnect")
def on_disconnect(*_reason):
    """Count the socket out of the rooms it was counted into."""
    room_counts().leave(request.sid)


def enter(*rooms: str) -> None:
    for room in rooms:
        join_room(room)
    room_counts().enter(request.sid, rooms)


class RoomCounts:
    """How many of this process's sockets are in each room, kept by the connect and disconnect
    handlers. Per process is what the Pusher needs: each process pushes to its own sockets only,
    so its window and whether it renders the stage depend on the screens it holds itself."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rooms_of: dict[str, tuple[str, ...]] = {}
        self.counts: dict[str, int] = {}

    def enter(self, sid: str, rooms: tuple[str, ...]) -> None:
        with self.lock:
            self.rooms_of[sid] = self.rooms_of.get(sid, ()) + tuple(rooms)
            for room in rooms:
                self.counts[room] = self.counts.get(room, 0) + 1

    def leave(self, sid: str) -> None:
        with self.lock:
            for room in self.rooms_of.pop(sid, ()):
                left = self.counts.get(room, 0) - 1
                if left > 0:
                    self.counts[room] = left
                else:
                    self.counts.pop(room, None)

    def size(self, room: str) -> int:
        return self.counts.get(room, 0)


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
    # The workshop's new status (live, closed) and who changed it.
    status: str | None = None
    status_by: int | None = None
    # Questions to the panel whose upvotes changed, with their latest counts.
    upvotes: dict[str, int] = field(default_factory=dict)


class Pusher:
    """Coalesces a workshop's pushes and sends them from a background task, never from the
    request that caused them.

    A room gets at most one push per window on average, and up to two in a row (a rate
    limit with an allowance of one push, as in GCRA): the first changes after a quiet spell go
    out at once, so a seminar of thirty sees each suggestion as soon as a bare server would
    show it, and a push that was held up (the process was busy) does not hold up the ones
    after it. Changes beyond that wait for the window and go out together. The window grows
    with the room, because what a push costs is one message per connected screen: a room of
    2,000 phones gets a few pushes a second however fast suggestions arrive, a room of 30 gets
    every suggestion on its own.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self.pending: dict[int, Pending] = {}
        # When a room's next push is due at the limit's pace; it may go one window earlier.
        self.due: dict[int, float] = {}
        self.window: dict[int, float] = {}
        # How late the workshop's last push started: the process's own measure of its load.
        self.behind: dict[int, float] = {}
        # Poll answers gathered for their own window, per workshop (see gather_answers).
        self.answers: dict[int, dict] = {}
        self.rooms: RoomCounts = app.extensions["live_rooms"]

    def receive(self, change: dict) -> None:
        """Take a change as the live bus carries it (see ``publish_announcements``) and plan its push."""
        if change.get("answers") and self.app.config["LIVE_COALESCE_SECONDS"]:
            return self.gather_answers(change)
        workshop_id = change["workshop_id"]
        with self.lock:
            scheduled = workshop_id in self.pending
            pending = self.pending.setdefault(workshop_id, Pending())
            pending.seq = max(pending.seq, change["seq"])
            pending.suggestions.update((item["id"], item) for item in change.get("suggestions", ()))
            pending.stage |= change.get("stage", False)
            pending.questions |= change.get("questions", False)
            pending.upvotes.update(change.get("upvotes", {}))
            if change.get("console"):
                pending.console = True
                pending.console_by.add(change.get("by"))
            if change.get("status"):
                pending.status, pending.status_by = change["status"], change.get("by")
            now = time.monotonic()
            window = self.window.get(workshop_id, 0.0)
            planned = max(now, self.due.get(workshop_id, now) - (PUSHES_IN_A_ROW - 1) * window)
        if not self.app.config["LIVE_COALESCE_SECONDS"]:
            if has_request_context():
                self.flush(workshop_id)
            else:  # heard on the live bus, outside any request
                self.flush_later(workshop_id, now)
        elif not scheduled:
            socketio.start_background_task(self.flush_later, workshop_id, planned)

    def gather_answers(self, change: dict) -> None:
        """Poll answers wait ``ANSWERS_WINDOW_SECONDS`` and then go on together, as one change."""
        workshop_id = change["workshop_id"]
        with self.lock:
            waiting = self.answers.get(workshop_id)
            if waiting is None:
                self.answers[workshop_id] = {**change, "answers": False}
            else:
                waiting["seq"] = max(waiting["seq"], change["seq"])
                waiting["upvotes"] = {**waiting.get("upvotes", {}), **change.get("upvotes", {})}
                waiting["console"] = waiting.get("console") or change.get("console")
                if waiting.get("by") != change.get("by"):
                    waiting["by"] = None
        if waiting is None:
            socketio.start_background_task(self.release_answers, workshop_id)

    def release_answers(self, workshop_id: int) -> None:
        socketio.sleep(ANSWERS_WINDOW_SECONDS)
        with self.lock:
            change = self.answers.pop(workshop_id, None)
        if change is not None:
            self.receive(change)

    def flush_later(self, workshop_id: int, planned: float) -> None:
        """Push at the ``planned`` time (``time.monotonic()``), and note how late that was."""
        wait = planned - time.monotonic()
        if wait > 0:
            socketio.sleep(wait)
        self.behind[workshop_id] = time.monotonic() - planned
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
        if pending is None:
            return
        started = time.monotonic()
        everyone, screens, consoles = Workshop.rooms_of(workshop_id)
        connected = self.rooms.size(everyone)
        # Every process pushes to its own sockets only: each heard the change on the live bus.
        if pending.status:
            socketio.emit("status", {"status": pending.status, "by": pending.status_by}, to=everyone)
        if pending.suggestions:
            items = sorted(pending.suggestions.values(), key=lambda item: item["seq"])
            socketio.emit("suggestions", {"items": items}, to=everyone)
        if pending.stage and self.rooms.size(screens):
            # The only push that reads the database: the projector's stage, rendered once, and
            # only by a process that holds a projector or console.
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is not None:
                push_stage(workshop)
        if pending.questions:
            push_questions(everyone, pending.seq, connected)
        if pending.upvotes:
            # Numbers only: each phone puts them in its own list, which keeps its order until
            # the phone next loads it (a list reshuffling under a thumb about to tap is worse).
            socketio.emit("upvotes", {"counts": pending.upvotes}, to=everyone)
        if pending.console:
            by = next(iter(pending.console_by)) if len(pending.console_by) == 1 else None
            socketio.emit("console", {"seq": pending.seq, "by": by}, to=consoles)
        window = self.window_for(connected, self.behind.get(workshop_id, 0.0))
        with self.lock:
            self.window[workshop_id] = window
            self.due[workshop_id] = max(self.due.get(workshop_id, started), started) + window

    def window_for(self, connected: int, behind: float = 0.0) -> float:
        """How long a room's later changes wait to be sent together: longer in a larger room,
        and twice as long while the process falls behind (its pushes start late because a
        burst of sends is queued), so that pushing never takes the time the server needs to
        accept the burst."""
        config = self.app.config
        window = config["LIVE_COALESCE_SECONDS_PER_1000"] * connected / 1000
        if behind > BEHIND_SECONDS:
            window *= 2
        return min(config["LIVE_COALESCE_SECONDS"], window)


def acting_facilitator_id() -> int | None:
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def live_bus():
    return current_app.extensions["live_bus"]


def room_counts() -> RoomCounts:
    return current_app.extensions["live_rooms"]


def prepare(told: list[Announcement]) -> dict[Announcement, dict]:
    """Render the announced suggestions' fragments while their transaction is still open: after
    the commit, reading them again would take a second transaction (on SQLite a second write lock)."""
    prepared = {}
    for announcement in told:
        if announcement.kind == announcements.SUGGESTION:
            workshop = db.session.get(Workshop, announcement.workshop_id)
            suggestion = db.session.get(Suggestion, announcement.suggestion_id)
            if workshop is not None and suggestion is not None:
                prepared[announcement] = suggestion_item(workshop, suggestion)
    return prepared


def publish_announcements(told: list[Announcement], prepared: dict[Announcement, dict] | None = None) -> None:
    """Publish what committed transactions announced: one change per workshop, as plain JSON
    data, to every process's Pusher. Called only after the commit (web.unit_of_work)."""
    by_workshop: dict[int, list[Announcement]] = {}
    for announcement in told:
        by_workshop.setdefault(announcement.workshop_id, []).append(announcement)
    for workshop_id, items in by_workshop.items():
        change = change_for(workshop_id, items, prepared or {})
        if change is not None:
            live_bus().publish(change)


def change_for(workshop_id: int, told: list[Announcement], prepared: dict[Announcement, dict]) -> dict | None:
    """What the announcements ask of the rooms. The workshop is still in the session's identity
    map (nothing expires at commit) and the suggestions were rendered before it (``prepare``),
    so this reads no rows; a deleted workshop only announces its status, which the announcement
    carries."""
    kinds = {announcement.kind for announcement in told} - {announcements.MINUTES}
    if not kinds:
        return None
    workshop = db.session.get(Workshop, workshop_id)
    status = next((a.status for a in told if a.kind == announcements.STATUS), None)
    if workshop is None:
        return {"workshop_id": workshop_id, "seq": 0, "status": status, "by": acting_facilitator_id()} \
            if status else None
    items = [prepared.get(a) or item_of(workshop, a.suggestion_id)
             for a in told if a.kind == announcements.SUGGESTION]
    items = [item for item in items if item is not None]
    stage_shows_items = workshop.projector_view != "list" or workshop.projector_group != "none"
    questions = announcements.QUESTIONS in kinds
    # Answers alone wait for their own, wider window (Pusher.receive); with anything else they
    # ride along at the usual pace.
    answers_only = kinds <= {announcements.ANSWERS, announcements.UPVOTES}
    upvoted = [a.suggestion_id for a in told if a.kind == announcements.UPVOTES]
    return {
        "workshop_id": workshop_id, "seq": workshop.event_seq, "suggestions": items,
        "stage": bool(kinds & {announcements.QUESTIONS, announcements.STAGE, announcements.ANSWERS,
                               announcements.STATUS}) or (bool(items) and stage_shows_items),
        "questions": questions, "answers": answers_only,
        # JSON keys are strings: the phones look the numbers up by the question's id as text.
        "upvotes": {str(sid): votes for sid, votes in upvote_counts(upvoted).items()},
        "console": bool(kinds - {announcements.STATUS, announcements.MINUTES, announcements.UPVOTES}),
        "status": status, "by": acting_facilitator_id(),
    }


def item_of(workshop: Workshop, suggestion_id: int) -> dict | None:
    suggestion = db.session.get(Suggestion, suggestion_id)
    return suggestion_item(workshop, suggestion) if suggestion is not None else None


def suggestion_item(workshop: Workshop, suggestion: Suggestion) -> dict:
    """A suggestion as pushed: its fragment, rendered once, and whether views should show it."""
    shown = suggestion.status == SuggestionStatus.VISIBLE and not workshop.results_hidden
    html = ""
    if shown:
        with workshop_locale(workshop):
            html = render_template("_suggestion.html", suggestion=suggestion)
    return {"id": suggestion.id, "question_id": suggestion.question_id, "seq": suggestion.seq,
            "shown": shown, "html": html}


def push_stage(workshop: Workshop) -> None:
    from facilitator.web.projector import render_stage
    with workshop_locale(workshop):
        html = render_stage(workshop)
    socketio.emit("stage", {"seq": workshop.event_seq, "html": html}, to=workshop.screen_room)


def push_questions(everyone: str, seq: int, connected: int) -> None:
    """Phones refetch their panel, spread over a time that grows with the ``connected`` count."""
    spread = min(15000, REFRESH_SPREAD_MS_PER_1000 * connected // 1000)
    socketio.emit("questions", {"seq": seq, "spread_ms": spread}, to=everyone)
