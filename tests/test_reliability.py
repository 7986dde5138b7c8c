"""Never lose a suggestion: the real server (gunicorn, one gevent worker, SQLite in WAL mode)
under duplicate sends, a crash, a connection cut on the way back, and a locked database.

Every send carries a client_id, as the phone's outbox does, and is retried with the same
one until the server acknowledges it (2xx/3xx). What the server acknowledged must be in
the database afterwards, exactly once. All traffic stays on 127.0.0.1; every process a
test starts is stopped in a finally block, also when the test fails.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.services.accounts import create_facilitator
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop
from support.live_server import LiveServer
from support.phone import Phone, send_until_acknowledged
from support.proxy import CuttingProxy

pytestmark = pytest.mark.slow

# The app's SQLite busy timeout (database.py: PRAGMA busy_timeout=5000), in seconds.
BUSY_TIMEOUT = 5.0


class KillableServer(LiveServer):
    """The live server, and a crash: SIGKILL for gunicorn's master and its worker at once."""

    def kill(self) -> None:
        master = self.process.pid
        pids = [master, *descendants(master)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (gunicorn's worker), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def database_path(server: LiveServer) -> Path:
    return Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))


class Workshops:
    """Makes live workshops in the server's database, from the test process (WAL allows it)."""

    def __init__(self, path: Path):
        self.path = path
        self.app = create_app(type("ReliabilityConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
        self.count = 0

    def new(self) -> SimpleNamespace:
        self.count += 1
        with self.app.app_context():
            owner = create_facilitator(f"owner{self.count}-{uuid.uuid4().hex[:6]}@example.org", "Owner",
                                       "correct horse battery", locale="en")
            workshop = create_workshop(owner, WorkshopDetails(title=f"Reliability {self.count}", language="en"),
                                       ["What should never get lost?", "Second question?"])
            change_status(workshop, "live")
            db.session.commit()
            made = SimpleNamespace(id=workshop.id, code=workshop.join_code,
                                   question_id=workshop.questions[0].id)
            db.session.remove()
        return made

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def stored(path: Path, workshop_id: int) -> list[tuple]:
    """(participant_id, client_id, text) of every suggestion of the workshop, read from the file."""
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        return conn.execute("SELECT participant_id, client_id, text FROM suggestions WHERE workshop_id = ?",
                            (workshop_id,)).fetchall()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("reliability"))
    try:
        live.start()
        yield live
    finally:
        live.close()


@pytest.fixture(scope="module")
def workshops(server):
    maker = Workshops(database_path(server))
    yield maker
    maker.close()


def own_suggestions(html: str) -> list[str]:
    """The phone's own list, as the page and the htmx fragment show it."""
    match = re.search(r'data-testid="own-suggestions"[^>]*>(.*?)</ul>', html, re.S)
    return re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S) if match else []


def test_twenty_copies_of_one_send_store_one_suggestion(server, workshops):
    """A double tap, a re-sent form and a retrying outbox, all at once: one row, twenty successes."""
    workshop = workshops.new()
    phone = Phone(server.port)
    phone.join(workshop.code, "Tapper")
    text, client_id = "Twenty taps, one idea", uuid.uuid4().hex
    start = threading.Barrier(20)

    def send(index: int):
        start.wait(timeout=10)
        return phone.suggest(workshop.code, workshop.question_id, text, client_id, htmx=index % 2 == 0)

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(send, range(20)))

    for index, reply in enumerate(replies):
        if index % 2 == 0:  # htmx: the question's fragment with the phone's own suggestions
            assert reply.status == 200, (reply.status, reply.body[:300])
            assert text in reply.body and own_suggestions(reply.body).count(text) == 1
        else:  # a plain form: 303 back to the question
            assert reply.status == 303, (reply.status, reply.body[:300])
            assert reply.headers["Location"].endswith(f"#q-{workshop.question_id}")
    page = phone.request("GET", f"/j/{workshop.code}").body
    assert own_suggestions(page).count(text) == 1
    rows = stored(database_path(server), workshop.id)
    assert [(client, saved) for _, client, saved in rows] == [(client_id, text)]


def test_a_server_killed_mid_send_loses_nothing_acknowledged(tmp_path):
    """Fifty phones send while the server is SIGKILLed and restarted: every acknowledged send is
    stored once, and the outboxes' retries (same client_id) bring the others in, also once."""
    server = KillableServer(tmp_path)
    maker = Workshops(database_path(server))
    try:
        server.start()
        workshop = maker.new()
        phones = [Phone(server.port) for _ in range(50)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(lambda pair: pair[1].join(workshop.code, f"Phone {pair[0]}"), enumerate(phones)))
        deadline = time.monotonic() + 90
        outcomes: dict[str, object] = {}
        start = threading.Barrier(51)

        def outbox(index: int, phone: Phone) -> None:
            rng = random.Random(index)
            start.wait(timeout=30)
            for number in range(3):
                time.sleep(rng.uniform(0.05, 0.4))
                text = f"Phone {index} idea {number}"
                outcomes[text] = send_until_acknowledged(phone, workshop.code, workshop.question_id, text,
                                                         f"p{index}-n{number}-{uuid.uuid4().hex[:8]}",
                                                         deadline=deadline, htmx=number == 1)

        threads = [threading.Thread(target=outbox, args=pair, daemon=True) for pair in enumerate(phones)]
        for thread in threads:
            thread.start()
        start.wait(timeout=30)
        time.sleep(0.5)
        server.kill()
        time.sleep(0.3)
        server.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), "an outbox never finished"
    finally:
        maker.close()
        server.close()

    assert len(outcomes) == 150
    unacknowledged = [text for text, outcome in outcomes.items()
                      if outcome.reply is None or not 200 <= outcome.reply.status < 400]
    assert not unacknowledged, f"never acknowledged: {unacknowledged[:5]}"
    assert sum(outcome.errors for outcome in outcomes.values()) > 0, "the crash hit no send: nothing was tested"
    texts = [text for _, _, text in stored(database_path(server), workshop.id)]
    duplicates = {text for text in texts if texts.count(text) > 1}
    assert not duplicates, f"stored twice: {sorted(duplicates)[:5]}"
    assert sorted(texts) == sorted(outcomes), "lost or unexpected suggestions"


@pytest.mark.parametrize("moment", ["response", "request"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_cut_connection_and_a_retry_store_one_row(server, workshops, moment, htmx):
    """The proxy cuts the phone's connection (after the server committed and began to answer, or
    before the request reached it) three times in a row; the outbox's fourth try gets through."""
    workshop = workshops.new()
    proxy = CuttingProxy(server.port)
    try:
        phone = Phone(proxy.port)
        phone.join(workshop.code, "Flaky Wi-Fi")
        text, client_id = f"Sent over flaky Wi-Fi ({moment})", uuid.uuid4().hex
        proxy.cut_next(moment, 1)
        with pytest.raises((OSError, http.client.HTTPException)):
            phone.suggest(workshop.code, workshop.question_id, text, client_id, htmx=htmx)
        assert proxy.cut_done == [moment]
        expected_before = 1 if moment == "response" else 0
        assert len(stored(database_path(server), workshop.id)) == expected_before

        proxy.cut_next(moment, 2)
        outcome = send_until_acknowledged(phone, workshop.code, workshop.question_id, text, client_id,
                                          deadline=time.monotonic() + 30, htmx=htmx)
        assert outcome.errors == 2 and outcome.reply is not None
        assert outcome.reply.status == (200 if htmx else 303), outcome.reply.body[:300]
        page = phone.request("GET", f"/j/{workshop.code}").body
        assert own_suggestions(page).count(text) == 1
    finally:
        proxy.close()
    assert [(client, saved) for _, client, saved in stored(database_path(server), workshop.id)] == [(client_id, text)]


class HeldLock:
    """Another process (a backup, a migration, the CLI) holding SQLite's write lock for a while."""

    def __init__(self, path: Path, seconds: float):
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN EXCLUSIVE")
        self.timer = threading.Timer(seconds, self.release)
        self.released = threading.Event()
        self.timer.start()

    def release(self) -> None:
        if not self.released.is_set():
            self.connection.execute("ROLLBACK")
            self.connection.close()
            self.released.set()

    def close(self) -> None:
        self.timer.cancel()
        self.release()


def test_a_locked_database_answers_503_with_retry_after_and_keeps_the_send(server, workshops):
    """Locked for longer than the busy timeout: the phone is told to come back, and its retry
    (same client_id) is stored once when the lock is gone."""
    workshop = workshops.new()
    phone = Phone(server.port, timeout=60)
    phone.join(workshop.code, "Patient")
    text, client_id = "Sent while the database was locked", uuid.uuid4().hex
    lock = HeldLock(database_path(server), BUSY_TIMEOUT + 2)
    try:
        reply = phone.suggest(workshop.code, workshop.question_id, text, client_id)
        assert reply.status == 503, (reply.status, reply.body[:300])
        assert (reply.headers.get("Retry-After") or "").isdigit() and int(reply.headers["Retry-After"]) > 0
        assert stored(database_path(server), workshop.id) == []
        lock.released.wait(BUSY_TIMEOUT + 10)
    finally:
        lock.close()
    outcome = send_until_acknowledged(phone, workshop.code, workshop.question_id, text, client_id,
                                      deadline=time.monotonic() + 30)
    assert outcome.reply is not None and outcome.reply.status == 303, outcome
    assert [(client, saved) for _, client, saved in stored(database_path(server), workshop.id)] == [(client_id, text)]


def test_a_brief_lock_is_waited_out_within_the_busy_timeout(server, workshops):
    """Locked for one second (a checkpoint, a short CLI write): the send waits, then succeeds."""
    workshop = workshops.new()
    phone = Phone(server.port, timeout=60)
    phone.join(workshop.code, "Patient")
    text, client_id = "Sent during a brief lock", uuid.uuid4().hex
    lock = HeldLock(database_path(server), 1.0)
    try:
        began = time.monotonic()
        reply = phone.suggest(workshop.code, workshop.question_id, text, client_id)
        waited = time.monotonic() - began
    finally:
        lock.close()
    assert reply.status == 303, (reply.status, round(waited, 3))
    assert 0.8 <= waited < BUSY_TIMEOUT
    assert [(client, saved) for _, client, saved in stored(database_path(server), workshop.id)] == [(client_id, text)]


# --- floods: what one request or one socket message may carry ------------------------------------

def open_socket(server: LiveServer, phone: Phone, origin: str):
    """A real WebSocket to the live server, as a browser opens it (engine.io v4, no polling)."""
    import simple_websocket
    # simple-websocket sends "Host: 127.0.0.1" without the port, so that is our own origin.
    return simple_websocket.Client.connect(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        headers={"Origin": origin, "Cookie": f"session={phone.cookie}"})


def close_socket(ws) -> None:
    import simple_websocket
    try:
        ws.close()
    except simple_websocket.ConnectionClosed:
        pass


def socket_joined(ws, code: str) -> str:
    ws.send("40" + json.dumps({"workshop": code}))
    for _ in range(5):
        message = ws.receive(timeout=5)
        if message and message.startswith("40"):
            return message
        if message and message.startswith("44"):
            raise AssertionError(f"connection refused: {message}")
    raise AssertionError("no Socket.IO connect answer")


def test_a_socket_message_over_16_kib_closes_the_socket(server, workshops):
    import simple_websocket
    workshop = workshops.new()
    phone = Phone(server.port)
    phone.join(workshop.code)
    ws = open_socket(server, phone, "http://127.0.0.1")
    try:
        socket_joined(ws, workshop.code)
        ws.send('42["message","' + "x" * 15_000 + '"]')
        ws.send("3")  # a pong: harmless, and proof the socket still takes messages
        assert ws.connected
        ws.send('42["message","' + "x" * 20_000 + '"]')
        with pytest.raises(simple_websocket.ConnectionClosed):
            for _ in range(10):
                ws.receive(timeout=1)
    finally:
        close_socket(ws)


def test_a_websocket_from_a_foreign_origin_is_refused(server, workshops):
    """Cross-site WebSocket hijacking: another site's page opening our socket with the phone's cookie."""
    workshop = workshops.new()
    phone = Phone(server.port)
    phone.join(workshop.code)
    handshake = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "https://evil.example"}
    reply = phone.request("GET", "/socket.io/?EIO=4&transport=websocket", headers=handshake)
    assert reply.status == 400 and "sid" not in reply.body
    ws = open_socket(server, phone, "http://127.0.0.1")
    try:
        assert socket_joined(ws, workshop.code)
    finally:
        close_socket(ws)


def test_a_request_over_256_kib_is_refused_and_stores_nothing(server, workshops):
    workshop = workshops.new()
    phone = Phone(server.port)
    phone.join(workshop.code)
    reply = phone.suggest(workshop.code, workshop.question_id, "x" * (300 * 1024), uuid.uuid4().hex)
    assert reply.status == 413
    assert stored(database_path(server), workshop.id) == []
