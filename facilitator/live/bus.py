"""How a change reaches every app process's own phones, so that each process coalesces them.

A change (a new suggestion, a new stage) is accepted by one process, but the phones of its room
are spread over all of them. Each process coalesces what *its own* phones receive
(``realtime.Pusher``): with N processes, a room of 2,000 phones still gets a few pushes a
second, not N times as many, and a process only ever pushes to the sockets it holds.

- One process (no ``REDIS_URL``): ``LocalBus`` hands the change straight to this process's Pusher.
- Several processes: ``RedisBus`` publishes the change on Redis; every process, this one too,
  hears it and hands it to its own Pusher, which pushes to its own sockets only.

It is the only transport between processes: a workshop going live or closing travels here too,
and Socket.IO's own message queue (every emit relayed to every process) is not used.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from facilitator.infra.extensions import socketio

log = logging.getLogger(__name__)

Deliver = Callable[[dict], None]


class LocalBus:
    """One process: what is published is delivered here and now."""

    def __init__(self, deliver: Deliver):
        self.deliver = deliver

    def publish(self, change: dict) -> None:
        self.deliver(change)

    def listen(self) -> None:
        """Nothing to listen to: every change is published in this process."""

    def close(self) -> None:
        pass  # nothing listens in the background


class RedisBus:
    """Several processes: changes go through one Redis channel that every process listens to."""

    # A lost Redis connection is retried after 1 s, then 2, 4 … at most this many seconds.
    MAX_RETRY_SECONDS = 30

    def __init__(self, url: str, channel: str, deliver: Deliver):
        import redis  # only installations with REDIS_URL need it

        self.redis = redis.Redis.from_url(url)
        self.channel = channel
        self.deliver = deliver
        self.listening = False
        self.closed = False
        self.pubsub = None
        self.lock = threading.Lock()

    def publish(self, change: dict) -> None:
        try:
            self.redis.publish(self.channel, json.dumps(change, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - Redis away: this process's phones still hear it
            log.exception("cannot publish a live change on Redis; delivering it here only")
            self.deliver(change)

    def listen(self) -> None:
        """Start listening, once per process: at its first socket, since a process without
        sockets has nobody to push to."""
        with self.lock:
            if self.listening:
                return
            self.listening = True
        socketio.start_background_task(self.receive_forever)

    def receive_forever(self) -> None:
        retry = 1
        while not self.closed:
            try:
                self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                self.pubsub.subscribe(self.channel)
                retry = 1
                for message in self.pubsub.listen():
                    if message.get("type") == "message":
                        self.receive(message["data"])
            except Exception:  # noqa: BLE001 - keep listening whatever happened
                if self.closed:
                    return
                log.exception("live changes from Redis interrupted; retrying in %s s", retry)
                socketio.sleep(retry)
                retry = min(retry * 2, self.MAX_RETRY_SECONDS)

    def close(self) -> None:
        """Stop listening (an app that is shut down, or a test whose Redis goes away): without
        this, the listener would retry a Redis that is gone for the rest of the process."""
        self.closed = True
        if self.pubsub is not None:
            self.pubsub.close()

    def receive(self, data: bytes) -> None:
        try:
            change = json.loads(data)
        except ValueError:
            log.warning("ignored a malformed live change on %s", self.channel)
            return
        try:
            self.deliver(change)
        except Exception:  # noqa: BLE001 - one bad change must not stop the next ones
            log.exception("live change for workshop %s failed", change.get("workshop_id"))


def bus_for(redis_url: str | None, channel: str, deliver: Deliver) -> LocalBus | RedisBus:
    return RedisBus(redis_url, channel, deliver) if redis_url else LocalBus(deliver)
