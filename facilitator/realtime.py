"""Live updates over Socket.IO: who hears what, and the broadcasts themselves.

Writes never arrive here; they are HTTP POSTs. The socket only pushes HTML
fragments that the server rendered once for the whole room, after the
database commit that they announce.
"""
from __future__ import annotations

from flask import Flask, render_template, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from .extensions import socketio
from .i18n import workshop_locale
from .models import Suggestion, Workshop
from .services.participants import get_participant
from .services.workshops import can_steer, get_workshop_by_code

# Phones refetch their panel after a question change; spreading the requests
# over this many milliseconds per thousand phones keeps the server calm.
REFRESH_SPREAD_MS_PER_1000 = 2000


def init_app(app: Flask) -> None:
    origins = app.config["PUBLIC_URL"] or None
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        # None means same-origin only: the Origin header must match the Host.
        cors_allowed_origins=[origins] if origins else None,
        max_http_buffer_size=16 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )


@socketio.on("connect")
def on_connect(auth=None):
    """Join the rooms this browser's identity allows, or refuse the connection."""
    code = (auth or {}).get("workshop") if isinstance(auth, dict) else None
    workshop = get_workshop_by_code(code or "")
    if workshop is None:
        raise ConnectionRefusedError("unknown workshop")
    if can_steer(current_user, workshop):
        join_room(workshop.room)
        join_room(workshop.host_room)
        return True
    token = session.get("participants", {}).get(str(workshop.id))
    if get_participant(workshop, token) is not None:
        join_room(workshop.room)
        return True
    raise ConnectionRefusedError("not allowed")


def broadcast_suggestion(workshop: Workshop, suggestion: Suggestion) -> None:
    """Push a new suggestion to every live view of the workshop, rendered once."""
    with workshop_locale(workshop):
        html = render_template("_suggestion.html", suggestion=suggestion)
    socketio.emit("suggestion", {
        "id": suggestion.id, "question_id": suggestion.question_id,
        "seq": suggestion.seq, "html": html,
    }, to=workshop.room)


def broadcast_stage(workshop: Workshop) -> None:
    """The current or open questions changed: new stage for projectors, refetch for phones."""
    from .projector import render_stage
    with workshop_locale(workshop):
        html = render_stage(workshop)
    socketio.emit("stage", {"seq": workshop.event_seq, "html": html}, to=workshop.room)
    phones = room_size(workshop.room)
    spread = min(15000, REFRESH_SPREAD_MS_PER_1000 * phones // 1000)
    socketio.emit("questions", {"seq": workshop.event_seq, "spread_ms": spread}, to=workshop.room)


def broadcast_status(workshop: Workshop) -> None:
    """The workshop went live or closed: every view reloads its whole page."""
    socketio.emit("status", {"status": workshop.status}, to=workshop.room)


def room_size(room: str) -> int:
    try:
        return sum(1 for _ in socketio.server.manager.get_participants("/", room))
    except (KeyError, AttributeError, TypeError):
        return 0

