"""More than one app process: PostgreSQL, the Redis message queue and nginx's cookie stickiness.

Real servers in subprocesses (gunicorn with one gevent worker each, a private
redis-server, Debian's nginx with the config generated from deploy/nginx/) on a
fresh PostgreSQL database that is dropped afterwards. Phones are plain HTTP
clients with their own cookies and raw Socket.IO WebSockets, as bench/ uses.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from support.require import require_or_skip

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.run_local_cluster import (  # noqa: E402
    Gunicorn, LocalCluster, PrivateRedis, TemporaryDatabase, app_env, flask_command, free_port,
    postgres_admin_url, redis_available,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION = re.compile(r'action="/j/[^/"]+/q/(\d+)"')


class Phone:
    """A participant's phone: its own cookies, the join form, one live socket."""

    def __init__(self, base_url: str):
        split = urlsplit(base_url)
        self.host, self.port = split.hostname, split.port
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.socket = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=15)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            connection.close()

    def join(self, code: str) -> int:
        """Join as a phone does; returns the open question's id."""
        status, page = self.request("GET", f"/j/{code}")
        assert status == 200, page
        self.csrf = CSRF.search(page).group(1)
        status, page = self.request("POST", f"/j/{code}/join", {"csrf_token": self.csrf, "display_name": ""})
        assert status == 303, page
        status, page = self.request("GET", f"/j/{code}")
        assert status == 200
        return int(QUESTION.search(page).group(1))

    def suggest(self, code: str, question_id: int, text: str) -> None:
        status, page = self.request("POST", f"/j/{code}/q/{question_id}", {
            "csrf_token": self.csrf, "text": text, "client_id": f"t{time.monotonic_ns()}"})
        assert status == 303, page

    def connect(self, code: str) -> None:
        """Socket.IO v5 over a WebSocket, with this phone's cookie, as the browser's client does."""
        self.socket = LiveSocket(self.host, self.port, self.cookies)
        opening = self.socket.receive(timeout=10)
        assert opening and opening.startswith("0"), opening
        self.socket.send("40" + json.dumps({"workshop": code}))
        answer = self.socket.receive(timeout=10)
        assert answer and answer.startswith("40"), f"socket refused: {answer!r}"

    def wait_for(self, text: str, timeout: float = 10) -> str:
        """The first pushed event that carries ``text``; answers the server's pings meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            packet = self.socket.receive(timeout=max(0.05, deadline - time.monotonic()))
            if packet is None:
                continue
            if packet == "2":
                self.socket.send("3")
            elif packet.startswith("42"):
                event = json.dumps(json.loads(packet[2:]), ensure_ascii=False)
                if text in event:
                    return event
        raise AssertionError(f"{text!r} did not arrive within {timeout} s")

    def pushes(self, event: str, items: int, timeout: float = 10) -> list[list[str]]:
        """The ``event`` pushes until they carried ``items`` suggestions: each push's texts."""
        deadline = time.monotonic() + timeout
        received: list[list[str]] = []
        while sum(map(len, received)) < items and time.monotonic() < deadline:
            packet = self.socket.receive(timeout=max(0.05, deadline - time.monotonic()))
            if packet == "2":
                self.socket.send("3")
            elif packet and packet.startswith("42"):
                name, data = json.loads(packet[2:])
                if name == event:
                    received.append([re.sub(r"<[^>]+>", "", item["html"]) for item in data["items"]])
        return received

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        self.socket = None


class LiveSocket:
    """A minimal blocking WebSocket client (text frames only), enough for Engine.IO's websocket transport.

    simple-websocket's client can miss a frame that arrives in the same TCP
    segment as the 101 answer (which nginx makes likely), so the test speaks
    the protocol itself, as bench/loadgen.py does.
    """

    def __init__(self, host: str, port: int, cookies: dict[str, str]):
        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                   f"Origin: http://{host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}\r\n\r\n")
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.read()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def read(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the socket")
        return data

    def receive(self, timeout: float) -> str | None:
        """The next text message, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 2:
                length, start = self.buffer[1] & 0x7F, 2
                if length == 126:
                    length, start = int.from_bytes(self.buffer[2:4], "big"), 4
                elif length == 127:
                    length, start = int.from_bytes(self.buffer[2:10], "big"), 10
                if len(self.buffer) >= start + length:
                    opcode = self.buffer[0] & 0x0F
                    payload, self.buffer = self.buffer[start:start + length], self.buffer[start + length:]
                    if opcode == 0x1:
                        return payload.decode()
                    if opcode == 0x8:
                        raise ConnectionError("the server closed the socket")
                    continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                self.buffer += self.read()
            except socket.timeout:
                return None

    def send(self, text: str) -> None:
        payload = text.encode()
        assert len(payload) < 126
        # Clients must mask; an all-zero mask is legal and leaves the payload as is.
        self.sock.sendall(bytes((0x81, 0x80 | len(payload))) + b"\0\0\0\0" + payload)

    def close(self) -> None:
        try:
            self.sock.sendall(b"\x88\x80\0\0\0\0")
        except OSError:
            pass
        self.sock.close()


@pytest.fixture(scope="module")
def postgres():
    admin = postgres_admin_url()
    if admin is None:
        require_or_skip("PostgreSQL is not reachable on 127.0.0.1:5432 (as root or postgres)")
    with TemporaryDatabase(admin, "facilitator_test") as database:
        flask_command(app_env(database.url), "db", "upgrade")
        yield database.url


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A private redis-server (pub/sub is shared by every database of a server), else the shared one."""
    if shutil.which("redis-server"):
        redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
        redis.start()
        yield redis.url
        redis.stop()
    elif redis_available():
        yield "redis://127.0.0.1:6379/0"
    else:
        require_or_skip("Redis is not installed nor reachable on 127.0.0.1:6379")


@pytest.fixture
def phones():
    made: list[Phone] = []

    def make(url: str) -> Phone:
        made.append(Phone(url))
        return made[-1]
    yield make
    for phone in made:
        phone.close()


def new_workshop(database_url: str) -> str:
    return flask_command(app_env(database_url), "demo").strip().splitlines()[-1]


def test_suggestion_sent_to_one_process_reaches_phones_of_the_other(postgres, redis_url, phones, tmp_path):
    env = app_env(postgres, redis_url)
    # A third process as another installation sharing the Redis (and, to make the rooms' names
    # collide, the database): its own channel keeps it apart.
    stranger_env = {**env, "SOCKETIO_CHANNEL": "another-installation"}
    servers = [Gunicorn(free_port(), env, tmp_path / f"app-{i}.log") for i in (1, 2)]
    servers.append(Gunicorn(free_port(), stranger_env, tmp_path / "app-3.log"))
    try:
        for server in servers:
            server.start()
        code = new_workshop(postgres)
        sender, listener, stranger = (phones(server.url) for server in servers)
        question_id = sender.join(code)
        for phone in (listener, stranger):
            phone.join(code)
        for phone in (sender, listener, stranger):
            phone.connect(code)

        sender.suggest(code, question_id, "Kaffe fra prosess en")

        assert "Kaffe fra prosess en" in listener.wait_for("Kaffe fra prosess en")
        assert "Kaffe fra prosess en" in sender.wait_for("Kaffe fra prosess en")
        with pytest.raises(AssertionError, match="did not arrive"):
            stranger.wait_for("Kaffe fra prosess en", timeout=2)
    finally:
        for server in servers:
            server.stop()


def test_every_process_coalesces_a_burst_for_its_own_phones(postgres, redis_url, phones, tmp_path):
    """Suggestions accepted by two processes reach each process's phones in one window's pushes,
    not one series of pushes per accepting process."""
    # A window of 2 s whatever the room's size: two pushes at once, then everything else together.
    env = app_env(postgres, redis_url, LIVE_COALESCE_SECONDS="2.0", LIVE_COALESCE_SECONDS_PER_1000="1000000")
    servers = [Gunicorn(free_port(), env, tmp_path / f"app-{i}.log") for i in (1, 2)]
    try:
        for server in servers:
            server.start()
        code = new_workshop(postgres)
        senders = [phones(server.url) for server in servers]
        listeners = [phones(server.url) for server in servers]
        question_id = senders[0].join(code)
        for phone in senders[1:] + listeners:
            phone.join(code)
        for phone in listeners:
            phone.connect(code)

        texts = [f"Idé {n} fra prosess {n % 2 + 1}" for n in range(6)]
        started = time.monotonic()
        for n, text in enumerate(texts):
            senders[n % 2].suggest(code, question_id, text)
        assert time.monotonic() - started < 1.8, "the sends took longer than the window"

        for listener in listeners:
            pushes = listener.pushes("suggestions", items=len(texts))
            assert sorted(sum(pushes, [])) == sorted(texts)
            # The first two at once, the other four together: three pushes, where coalescing in
            # the accepting process made three per process.
            assert pushes == [texts[:1], texts[1:2], texts[2:]]
    finally:
        for server in servers:
            server.stop()


def test_nginx_keeps_each_phone_on_one_process_by_cookie(postgres, redis_url, phones, tmp_path):
    if not shutil.which("nginx"):
        require_or_skip("nginx is not installed (apt-get install nginx-light)")
    with LocalCluster(2, postgres, workdir=tmp_path / "cluster", redis_url=redis_url) as cluster:
        code = new_workshop(postgres)
        crowd = []
        # Every phone comes from 127.0.0.1, like a venue behind one NAT; the
        # cookie alone must spread them. 2 x 0.5^24 odds of a false failure.
        for _ in range(24):
            phone = phones(cluster.url)
            question_id = phone.join(code)
            assert "facilitator_route" in phone.cookies
            phone.connect(code)
            crowd.append(phone)
        routes = {phone.cookies["facilitator_route"] for phone in crowd}
        assert len(routes) == len(crowd)

        crowd[0].suggest(code, question_id, "Skilting ved innkjøringen")
        for phone in crowd:
            phone.wait_for("Skilting ved innkjøringen")
        for phone in crowd:
            phone.close()
        time.sleep(0.5)  # nginx logs a WebSocket when it closes

    upstreams: dict[str, set[str]] = {}
    log = (tmp_path / "cluster" / "nginx" / "access.log").read_text()
    for upstream, route in re.findall(r" \d{3} (\S+) route=([0-9a-f]+)", log):
        upstreams.setdefault(route, set()).add(upstream)
    assert set(upstreams) == routes
    assert all(len(seen) == 1 for seen in upstreams.values()), upstreams
    assert len(set().union(*upstreams.values())) == 2, "every phone landed on one process"
    sockets = re.findall(r'"GET /socket\.io/\?EIO=4&transport=websocket HTTP/1\.1" 101', log)
    assert len(sockets) == len(crowd)
