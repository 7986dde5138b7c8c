"""One live transport: every change between processes goes over the live bus (facilitator.live.bus),
each process counts its own sockets per room, and poll answers are pushed at a calmer pace."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db, socketio
from facilitator.models import Question, Workshop
from support.factories import PASSWORD, make_facilitator, make_workshop
from support.forms import csrf_token_in, join
from support.require import require_or_skip
from support.sockets import socket_client


ROOT = Path(__file__).resolve().parents[1]


def events(sio, name):
    return [event["args"][0] for event in sio.get_received() if event["name"] == name]


def test_room_counts_follow_connects_and_disconnects(app, logged_in, phone, live_workshop):
    rooms = app.extensions["live_rooms"]
    with app.app_context():
        everyone, screens, consoles = Workshop.rooms_of(live_workshop.id)
    assert (rooms.size(everyone), rooms.size(screens)) == (0, 0)

    console = socket_client(app, logged_in.client, live_workshop)
    listener = socket_client(app, phone, live_workshop)
    assert console.is_connected() and listener.is_connected()
    assert (rooms.size(everyone), rooms.size(screens), rooms.size(consoles)) == (2, 1, 1)

    console.disconnect()
    assert (rooms.size(everyone), rooms.size(screens), rooms.size(consoles)) == (1, 0, 0)
    listener.disconnect()
    assert rooms.size(everyone) == 0 and rooms.counts == {}


def test_a_refused_socket_is_not_counted(app, client, live_workshop):
    assert not socket_client(app, client, live_workshop).is_connected()
    assert app.extensions["live_rooms"].counts == {}


def test_no_socketio_message_queue(app):
    """Socket.IO relays nothing between processes itself: the live bus is the one transport."""
    from socketio import PubSubManager
    assert not isinstance(socketio.server.manager, PubSubManager)


def test_answers_within_one_window_cause_one_stage_push(app, logged_in, facilitator):
    from facilitator.live import realtime
    from facilitator.models import QuestionOption
    workshop = make_workshop(app, facilitator.id, questions=("Hvor starter tjenestene?",))
    with app.app_context():
        question = db.session.get(Question, workshop.question_ids[0])
        question.kind = "choice"
        question.options = [QuestionOption(position=n, text=t) for n, t in enumerate(("Ja", "Nei"))]
        db.session.commit()
        option_id = question.options[0].id
    # Coalescing on, as in production: suggestions keep their short window, answers gather.
    app.config.update(LIVE_COALESCE_SECONDS=0.25, LIVE_COALESCE_SECONDS_PER_1000=0.05)
    projector = socket_client(app, logged_in.client, workshop)
    projector.get_received()
    phones = []
    for n in range(6):
        phone = app.test_client()
        join(phone, workshop, f"Phone {n}")
        phones.append(phone)
    started = time.monotonic()
    for phone in phones:
        page = phone.get(f"/j/{workshop.join_code}").get_data(as_text=True)
        response = phone.post(f"/j/{workshop.join_code}/a/{question.id}",
                              data={"csrf_token": csrf_token_in(page), "option": str(option_id)},
                              headers={"HX-Request": "true"})
        assert response.status_code == 200, response.get_data(as_text=True)
    assert time.monotonic() - started < realtime.ANSWERS_WINDOW_SECONDS, "the answers took longer than the window"
    time.sleep(realtime.ANSWERS_WINDOW_SECONDS + 0.5)
    stages = events(projector, "stage")
    assert len(stages) == 1
    assert "6" in stages[0]["html"]  # the six answers, counted in the one push


REMOTE_STATUS_CHANGE = textwrap.dedent('''
    import sys
    from facilitator import create_app
    from facilitator.infra.config import TestConfig
    from facilitator.infra.extensions import db
    from facilitator.models import Workshop

    url, redis_url, workshop_id, email, password = sys.argv[1:6]
    app = create_app(type("Other", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url,
                                                    "WTF_CSRF_ENABLED": False}))
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": password}).status_code == 303
    response = client.post(f"/host/workshops/{workshop_id}/status", data={"status": "closed"})
    assert response.status_code == 303, response.status_code
    with app.app_context():
        assert db.session.get(Workshop, int(workshop_id)).status == "closed"
    print("closed")
''')


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        require_or_skip("redis-server is not installed")
    sys.path.insert(0, str(ROOT))
    try:
        from deploy.run_local_cluster import PrivateRedis
    finally:
        sys.path.remove(str(ROOT))
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis.url
    redis.stop()


def test_a_status_change_in_another_process_reaches_a_screen_here_over_the_bus(private_redis, tmp_path):
    """Two processes, one database, one Redis, no Socket.IO message queue: the facilitator closes
    the workshop in the other process; the phone's socket here hears it."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    app = create_app(type("Here", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": private_redis}))
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
    facilitator = make_facilitator(app)
    workshop = make_workshop(app, facilitator.id)
    phone = app.test_client()
    join(phone, workshop)
    listener = socket_client(app, phone, workshop)
    assert listener.is_connected()
    listener.get_received()
    time.sleep(0.3)  # the bus's listener subscribes in the background

    other = subprocess.run(
        [sys.executable, "-c", REMOTE_STATUS_CHANGE, url, private_redis, str(workshop.id), facilitator.email,
         PASSWORD],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0 and "closed" in other.stdout, other.stderr[-2000:]

    deadline = time.monotonic() + 5
    heard = []
    while not heard and time.monotonic() < deadline:
        heard = events(listener, "status")
        time.sleep(0.05)
    assert heard and heard[0]["status"] == "closed" and heard[0]["by"] == facilitator.id
    listener.disconnect()
    app.extensions["live_bus"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
