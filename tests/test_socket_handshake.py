"""The live socket's handshake: which origins may open it, and the headers its answers carry.

These are real engine.io handshakes (the polling GET) through the whole WSGI stack, as a
browser's first request to /socket.io/ arrives; the socket test client would skip both checks.
"""
import pytest

from facilitator import create_app
from facilitator.infra.config import TestConfig

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def make_app(**settings):
    return create_app(type("HandshakeConfig", (TestConfig,), settings))


def handshake(app, origin, **headers):
    return app.test_client().get(HANDSHAKE, headers={"Origin": origin, **headers})


def accepted(response) -> bool:
    return response.status_code == 200 and b'"sid"' in response.get_data()


def test_a_forged_forwarded_host_does_not_let_a_foreign_origin_in():
    app = make_app()
    assert accepted(handshake(app, "http://localhost"))
    assert not accepted(handshake(app, "http://evil.example", **{"X-Forwarded-Host": "evil.example"}))
    assert not accepted(handshake(app, "https://localhost", **{"X-Forwarded-Proto": "https"}))


def test_behind_a_configured_proxy_its_forwarded_host_is_the_origin():
    app = make_app(PROXY_COUNT=1)
    forwarded = {"X-Forwarded-Host": "workshop.example", "X-Forwarded-Proto": "https"}
    assert accepted(handshake(app, "https://workshop.example", **forwarded))
    assert not accepted(handshake(app, "https://evil.example", **forwarded))
    assert not accepted(handshake(app, "http://workshop.example", **forwarded))
    # Only the value the proxy added counts, not one the client sent ahead of it.
    spoofed = {"X-Forwarded-Host": "evil.example, workshop.example", "X-Forwarded-Proto": "https"}
    assert not accepted(handshake(app, "https://evil.example", **spoofed))


def test_a_public_url_is_the_only_origin_whatever_the_headers_say():
    app = make_app(PUBLIC_URL="https://workshop.example", PROXY_COUNT=1)
    assert accepted(handshake(app, "https://workshop.example"))
    assert not accepted(handshake(app, "https://evil.example", **{"X-Forwarded-Host": "evil.example",
                                                                  "X-Forwarded-Proto": "https"}))


@pytest.mark.parametrize("origin", ["http://localhost", "https://evil.example"], ids=["accepted", "refused"])
def test_socket_answers_carry_the_security_headers(origin):
    response = handshake(make_app(), origin)
    headers = response.headers
    assert "default-src 'self'" in headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "same-origin"
    assert "camera=()" in headers.get("Permissions-Policy", "")
    assert headers.get("Cache-Control") == "no-store"
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]  # once, not twice


def test_socket_answers_in_production_carry_hsts():
    response = handshake(make_app(PRODUCTION=True), "http://localhost")
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
