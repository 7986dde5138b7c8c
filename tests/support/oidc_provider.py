"""The tests' OpenID provider: tests/oidc/provider.js (oidc-provider, OpenID Certified) run by Node
on 127.0.0.1, and a small browser-less user agent that signs in at it.

`make test` installs its npm packages (`npm ci` in tests/oidc); without Node, npm or them the tests
skip on a laptop and fail in CI (require_or_skip).
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from .require import require_or_skip

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "facilitator"
CLIENT_SECRET = "facilitator-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """A running provider; ``issuer`` is its address. Register the app's callback and login URLs
    when starting it (the provider accepts only registered redirect URIs)."""

    def __init__(self, redirect_uris: list[str], post_logout_redirect_uris: list[str], log_path: Path):
        node = shutil.which("node")
        if node is None or shutil.which("npm") is None:
            require_or_skip("Node.js and npm are needed for the test OpenID provider")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            require_or_skip("the test OpenID provider is not installed (make test runs npm ci in tests/oidc)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        config = {"port": self.port, "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_redirect_uris}]}
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([node, "provider.js", json.dumps(config)], cwd=OIDC_DIR,
                                        stdout=self.log, stderr=self.log)
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the test OpenID provider stopped; see its log")
            try:
                requests.get(self.issuer + "/.well-known/openid-configuration", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the test OpenID provider did not start")

    def set_claims(self, login: str, **claims) -> None:
        """What the provider says about the person who signs in as ``login``."""
        requests.post(f"{self.issuer}/test/accounts/{login}", json=claims, timeout=5).raise_for_status()

    def misbehave(self, mode: str) -> None:
        """The next ID token: "audience" (another client's), "expired" or "nonce" (another sign-in's)."""
        requests.post(f"{self.issuer}/test/misbehave", json={"mode": mode}, timeout=5).raise_for_status()

    def app_settings(self, **overrides) -> dict:
        return {"SSO_ISSUER": self.issuer, "SSO_CLIENT_ID": CLIENT_ID, "SSO_CLIENT_SECRET": CLIENT_SECRET,
                "SSO_NAME": "Hol kommune", "SSO_SCOPES": "openid email profile groups", **overrides}

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def sign_in_at_provider(authorization_url: str, login: str, stop_at: str,
                        agent: requests.Session | None = None) -> str:
    """Follow the provider's pages as a browser would, sign in as ``login``, and return the URL
    that sends the browser back to the app (the first redirect to an address under ``stop_at``).
    ``agent``: the browser's cookie jar at the provider, when a test looks at its session."""
    agent = agent or requests.Session()
    url, method, data = authorization_url, "GET", None
    for _ in range(10):
        response = agent.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith(stop_at):
                return url
        elif urlsplit(url).path.startswith("/interaction/"):
            assert response.status_code == 200, response.text
            method, data = "POST", {"login": login, "password": "anything"}
        else:
            raise AssertionError(f"unexpected answer from the provider at {url}: {response.status_code} "
                                 f"{response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")
