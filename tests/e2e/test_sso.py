"""Single sign-on in Chromium: the real server (gunicorn + gevent) and a real OpenID provider
(oidc-provider under Node, tests/oidc), both on 127.0.0.1."""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE
from support.live_server import LiveServer
from support.oidc_provider import OidcProvider

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def sso_site(tmp_path_factory):
    """The app with SSO on (hol.kommune.test may sign in; accounts made on the first sign-in) and
    the provider that knows its callback; the demo login exists, so the login page is the way in."""
    workdir = tmp_path_factory.mktemp("sso")
    server = LiveServer(workdir)
    server.flask("demo")
    try:
        provider = OidcProvider([f"{server.url}/auth/sso/callback"], [f"{server.url}/auth/login"],
                                workdir / "provider.log")
    except BaseException:
        server.close()
        raise
    try:
        settings = provider.app_settings(SSO_ALLOWED_DOMAINS="hol.kommune.test", SSO_CREATE_ACCOUNTS="1",
                                         SSO_ADMIN_GROUPS="facilitator-admins")
        server.env.update({name: str(value) for name, value in settings.items()})
        server.start()
        yield server, provider
    finally:
        server.close()
        provider.close()


def sign_in_at_provider(page, login: str) -> None:
    page.get_by_role("link", name="Log in with Hol kommune").click()
    page.get_by_label("E-mail").fill(login)
    page.get_by_label("Password").fill("anything")
    page.get_by_role("button", name="Sign in").click()


def test_the_login_page_offers_the_provider(chromium, sso_site, shots):
    server, _provider = sso_site
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        context = chromium.new_context(**size)
        page = context.new_page()
        page.goto(server.url + "/auth/login")
        button = page.get_by_role("link", name="Log in with Hol kommune")
        assert button.is_visible()
        box = button.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= size["viewport"]["width"]
        assert page.get_by_label("Password").is_visible()
        shots(page, f"login-{name}", full_page=True)
        context.close()


def test_sign_in_and_out_through_the_provider(chromium, sso_site, shots):
    server, provider = sso_site
    provider.set_claims("kari@hol.kommune.test", name="Kari Nordmann", groups=["facilitator-admins"])
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    # A slow phone network: every request of the app's own pages waits a little.
    page.route(re.compile(re.escape(server.url) + "/.*"), lambda route: (page.wait_for_timeout(300),
                                                                         route.continue_()))
    page.goto(server.url + "/auth/login")
    sign_in_at_provider(page, "kari@hol.kommune.test")
    page.wait_for_url(server.url + "/host/")
    # A new account, an administrator by the provider's group.
    assert page.get_by_role("link", name="Administration").is_visible()
    shots(page, "dashboard-after-sso")
    page.get_by_role("button", name="Log out").click()
    # The provider asks whether to end its session too, then sends the browser back.
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(server.url + "/auth/login")
    assert page.get_by_text("You are logged out.").is_visible()
    # Signed out at the provider as well: the next sign-in asks who you are again.
    page.get_by_role("link", name="Log in with Hol kommune").click()
    assert page.get_by_label("E-mail").is_visible()
    context.close()


def test_an_unverified_address_is_refused_with_a_message(chromium, sso_site, shots):
    server, provider = sso_site
    provider.set_claims("eve@hol.kommune.test", email_verified=False)
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.goto(server.url + "/auth/login")
    sign_in_at_provider(page, "eve@hol.kommune.test")
    page.wait_for_url(server.url + "/auth/login")
    alert = page.get_by_role("alert")
    assert "has not verified the address eve@hol.kommune.test" in alert.inner_text()
    shots(page, "refused-unverified", full_page=True)
    page.goto(server.url + "/host/")
    assert page.url.startswith(server.url + "/auth/login")
    context.close()
