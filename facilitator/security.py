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

from .config import DEVELOPMENT_SECRET

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


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
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.blueprint in ("host", "export", "auth"):
        # Facilitator pages and minutes may hold personal data: never cache.
        headers["Cache-Control"] = "no-store"
    if request.headers.get("HX-Request") is not None or request.blueprint == "participant":
        response.vary.add("HX-Request")
    return response
