"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, STARTTLS required with a
self-signed certificate made by openssl for this run, and a login required over TLS."""
from __future__ import annotations

import email
import email.policy
import re
import socket
import ssl
import subprocess
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

USERNAME, PASSWORD = "relay-user", "relay-secret"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the server received: parsed messages, and whether each came over TLS."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.over_tls: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.over_tls.append(session.ssl is not None)
        return "250 OK"

    def links(self, pattern: str = r"https?://\S+") -> list[str]:
        return [link for message in self.messages for link in re.findall(pattern, message.get_content())]


def check_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode()))


class SmtpServer:
    def __init__(self, folder: Path):
        self.cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, tls_context=context,
                                     require_starttls=True, authenticator=check_login, auth_require_tls=True)
        self.controller.start()

    def configure(self, app) -> None:
        """Point the app at this server, trusting its certificate."""
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_SECURITY="starttls",
                          MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD, MAIL_CA_FILE=str(self.cert),
                          MAIL_SENDER="facilitator@kommune.example", MAIL_TIMEOUT=5)

    def stop(self) -> None:
        self.controller.stop()
