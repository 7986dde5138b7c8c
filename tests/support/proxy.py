"""A TCP proxy on 127.0.0.1 that can lose what a flaky venue network loses.

Between a phone and the server it forwards bytes both ways; told to, it cuts the
next connections at one of two moments:

* ``"request"``: before anything reaches the server (the send never arrived);
* ``"response"``: after the whole request was forwarded and the server began to
  answer, before one byte of the answer reaches the phone. The app commits before it
  answers, so the suggestion is stored while the phone sees only a dead connection:
  the case a retry with the same client_id must not turn into a duplicate.

Threads, not asyncio, so a test can use it from synchronous code; every socket has a
timeout and ``close()`` stops the listener and waits for its threads.
"""
from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from collections import deque

CHUNK = 65536
TIMEOUT = 20


class CuttingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.cuts: deque[str] = deque()
        self.cut_done: list[str] = []
        self.connections = 0
        self.running = True
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self.accept_loop, name="proxy-accept", daemon=True)
        self.acceptor.start()

    def cut_next(self, moment: str, count: int = 1) -> None:
        """Cut the next ``count`` connections at ``moment`` ("request" or "response")."""
        assert moment in ("request", "response")
        with self.lock:
            self.cuts.extend([moment] * count)

    def accept_loop(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                moment = self.cuts.popleft() if self.cuts else None
            thread = threading.Thread(target=self.serve, args=(client, moment), daemon=True)
            self.threads.append(thread)
            thread.start()

    def serve(self, client: socket.socket, moment: str | None) -> None:
        client.settimeout(TIMEOUT)
        try:
            if moment == "request":
                self.record(moment)
                return
            with socket.create_connection(self.upstream, timeout=TIMEOUT) as upstream:
                if moment == "response":
                    self.forward_request_then_cut(client, upstream)
                else:
                    self.pipe_both_ways(client, upstream)
        except OSError:
            pass
        finally:
            if moment:
                reset(client)
            else:
                client.close()

    def forward_request_then_cut(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward the phone's bytes until the server starts answering, then drop the answer.

        One thread and select(), so that the reset of the phone's socket is not held back by
        another thread still blocked reading from it."""
        deadline = time.monotonic() + TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            selector.register(upstream, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                for key, _ in selector.select(timeout=0.5):
                    data = key.fileobj.recv(CHUNK)
                    if key.fileobj is upstream:
                        # The server answers only after it has committed: drop the answer.
                        self.record("response" if data else "response-before-answer")
                        return
                    if not data:
                        selector.unregister(client)
                    else:
                        upstream.sendall(data)

    def pipe_both_ways(self, client: socket.socket, upstream: socket.socket) -> None:
        upload = threading.Thread(target=pump, args=(client, upstream), daemon=True)
        upload.start()
        pump(upstream, client)
        upload.join(TIMEOUT)

    def record(self, what: str) -> None:
        with self.lock:
            self.cut_done.append(what)

    def close(self) -> None:
        self.running = False
        self.acceptor.join(5)
        self.listener.close()
        for thread in self.threads:
            thread.join(5)


def pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a dropped Wi-Fi association or a proxy timeout looks to a phone."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
