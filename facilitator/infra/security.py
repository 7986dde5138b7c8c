"""Secrets and response headers.

The header policy is strict from the start: no inline script anywhere, so a
suggestion that smuggles markup has nothing to run even if escaping failed.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from facilitator.infra.config import DEVELOPMENT_SECRET

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


# What every answer carries, the live socket's included (see SocketHeaders).
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class InsecureConfiguration(RuntimeError):
    pass


def check_production_config(app: Flask) -> None:
    """Refuse to run production on a guessable key; give a laptop a stable random one."""
    if app.config["SECRET_KEY"] != DEVELOPMENT_SECRET or app.testing:
        return
    if os.environ.get("FACILITATOR_ENV") == "production":
        raise InsecureConfiguration("SECRET_KEY must be set to a long random value in production")
    app.config["SECRET_KEY"] = local_secret(Path(app.instance_path) / "secret_key")


def local_secret(path: Path) -> str:
    """A random key kept under instance/, so logins survive a restart of `make run`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def init_wsgi(app: Flask) -> None:
    """The layers around everything else, called after realtime.init_app: Socket.IO answers its
    own path before Flask sees the request, so its answers get their headers here, and the
    proxy's X-Forwarded-* headers are read (when PROXY_COUNT trusts them) before the socket's
    Origin check compares the Host."""
    app.wsgi_app = SocketHeaders(app.wsgi_app, production=bool(app.config.get("PRODUCTION")))
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


class SocketHeaders:
    """WSGI middleware: the security headers on the answers that Socket.IO gives itself."""

    def __init__(self, wsgi_app, production: bool):
        self.wsgi_app = wsgi_app
        self.headers = dict(SECURITY_HEADERS, **{"Cache-Control": "no-store"})
        if production:
            self.headers["Strict-Transport-Security"] = HSTS

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self.wsgi_app(environ, start_response)

        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(name, value) for name, value in self.headers.items()
                                       if name.lower() not in present]
            return start_response(status, headers, exc_info)
        return self.wsgi_app(environ, with_headers)


def add_security_headers(response):
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.blueprint in ("host", "export", "auth", "account", "admin"):
        # Facilitator pages and minutes may hold personal data: never cache.
        headers["Cache-Control"] = "no-store"
    if request.headers.get("HX-Request") is not None or request.blueprint == "participant":
        response.vary.add("HX-Request")
    return response
