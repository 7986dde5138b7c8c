"""A Socket.IO test client that shares an HTTP test client's cookies, as a phone's page shares its
session with its socket: the server decides from that session which rooms it joins."""
from __future__ import annotations

from facilitator.infra.extensions import socketio


def socket_client(app, http_client, workshop):
    return socketio.test_client(app, flask_test_client=http_client,
                                auth={"workshop": workshop.join_code})
