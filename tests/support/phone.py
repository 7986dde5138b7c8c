"""A phone as the server sees it: one cookie, a CSRF token, plain HTTP/1.1 with a new connection
per request (as a phone on a flaky venue network effectively has), no redirects followed.

Standard library only, so that a test can run fifty of them in threads against a real server.
"""
from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from .forms import csrf_token_in

# What a phone's script treats as "try again": the server was away or asked for patience.
RETRY_STATUSES = {502, 503, 504}


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str


class Phone:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 15):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookie: str | None = None
        self.csrf: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            sent = {"Connection": "close", **(headers or {})}
            if form is not None:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            if self.cookie:
                sent["Cookie"] = f"session={self.cookie}"
            connection.request(method, path, body=urlencode(form) if form is not None else None, headers=sent)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            self.remember(response.headers.get_all("Set-Cookie") or [])
            return Reply(response.status, response.headers, body)
        finally:
            connection.close()

    def remember(self, cookies: list[str]) -> None:
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            if name.strip() == "session":
                self.cookie = rest.split(";", 1)[0] or None

    def join(self, code: str, name: str = "") -> None:
        page = self.request("GET", f"/j/{code}")
        reply = self.request("POST", f"/j/{code}/join", {"csrf_token": csrf_token_in(page.body),
                                                         "display_name": name, "table": "0"})
        assert reply.status == 303, (reply.status, reply.body[:300])
        self.csrf = csrf_token_in(self.request("GET", f"/j/{code}").body)

    def suggest(self, code: str, question_id: int, text: str, client_id: str, htmx: bool = False) -> Reply:
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf} if htmx else {}
        form = {"text": text, "client_id": client_id}
        if not htmx:
            form["csrf_token"] = self.csrf
        return self.request("POST", f"/j/{code}/q/{question_id}", form, headers)


@dataclass
class Outcome:
    reply: Reply | None = None
    attempts: int = 0
    errors: int = 0  # connections refused, reset or cut, and 5xx answers retried


def send_until_acknowledged(phone: Phone, code: str, question_id: int, text: str, client_id: str, *,
                            deadline: float, htmx: bool = False) -> Outcome:
    """Send one suggestion the way the phone's outbox does: the same client_id on every try,
    exponential backoff on a lost connection or a 5xx, a Retry-After honoured, bounded in time."""
    outcome, delay = Outcome(), 0.1
    while time.monotonic() < deadline:
        outcome.attempts += 1
        try:
            reply = phone.suggest(code, question_id, text, client_id, htmx=htmx)
        except (OSError, http.client.HTTPException):
            reply = None
        if reply is not None and reply.status not in RETRY_STATUSES:
            outcome.reply = reply
            return outcome
        outcome.errors += 1
        wait = delay
        if reply is not None and (reply.headers.get("Retry-After") or "").isdigit():
            wait = float(reply.headers["Retry-After"])
        time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 2.0)
    return outcome
