"""Device cookies: wrong passwords from many addresses slow the guesser, never lock out the owner
on a browser they have logged in from before.

These run on one database only: what they test lives in the rate limiter's counters, and each
attack checks 125 wrong passwords against a scrypt hash.
"""
import pytest

from support.forms import Browser, csrf_token_in
from support.factories import PASSWORD, make_facilitator

from facilitator.web.login_devices import COOKIE_NAME

# Twenty-five addresses, five wrong passwords each (the most each address may try in a minute):
# 125 failures, past the account's limit of 100 an hour.
ATTACKERS = [f"127.0.0.{number}" for number in range(10, 35)]

pytestmark = pytest.mark.parametrize("app", ["memory"], indirect=True)


def try_login(client, address, email, password):
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/auth/login").get_data(as_text=True)
    return client.post("/auth/login", data={"csrf_token": csrf_token_in(page), "email": email, "password": password})


def attack(app, email):
    for address in ATTACKERS:
        guesser = app.test_client()
        for _ in range(5):
            try_login(guesser, address, email, "wrong guess")


def owner_browser(app, email, address="127.0.0.2"):
    """The owner's browser: it has logged in once before and logged out again."""
    client = app.test_client()
    assert try_login(client, address, email, PASSWORD).status_code == 303
    assert Browser(client).submit("/host/", "/auth/logout").status_code == 303
    return client


def test_a_distributed_attack_does_not_lock_the_owner_out_of_a_known_browser(app, facilitator):
    owner = owner_browser(app, facilitator.email)
    attack(app, facilitator.email)
    # The account's own limit is exhausted: a fresh browser, even with the right password, is refused.
    refused = try_login(app.test_client(), "127.0.0.3", facilitator.email, PASSWORD)
    assert refused.status_code == 429
    # The owner, from the browser they logged in from before, still gets in.
    assert try_login(owner, "127.0.0.2", facilitator.email, PASSWORD).status_code == 303
    assert owner.get("/host/").status_code == 200


def test_a_new_browser_during_an_attack_is_told_why_and_keeps_the_address(app, facilitator):
    attack(app, facilitator.email)
    refused = try_login(app.test_client(), "127.0.0.3", facilitator.email, PASSWORD)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Many wrong passwords have been tried for this account" in page
    assert "from a browser that has logged in to it before" in page
    assert f'value="{facilitator.email}"' in page


def test_the_device_cookie_is_per_account_and_cannot_be_forged(app, facilitator):
    other = make_facilitator(app, email="bjorn@example.org", name="Bjørn")
    owner = owner_browser(app, other.email)
    attack(app, facilitator.email)
    # A browser known to Bjørn's account is not known to Anne's.
    assert try_login(owner, "127.0.0.2", facilitator.email, PASSWORD).status_code == 429
    # An edited cookie is worth nothing.
    forged = app.test_client()
    value = owner.get_cookie(COOKIE_NAME, path="/auth").value
    forged.set_cookie(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"), path="/auth")
    assert try_login(forged, "127.0.0.4", facilitator.email, PASSWORD).status_code == 429


def test_the_cookie_is_httponly_strict_and_only_for_the_login_pages(app, facilitator):
    client = app.test_client()
    response = try_login(client, "127.0.0.2", facilitator.email, PASSWORD)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(COOKIE_NAME))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/auth" in cookie
    assert facilitator.email not in cookie and "anne" not in cookie.lower()


def test_a_known_browser_is_still_limited_on_its_own(app, facilitator):
    """A stolen device cookie must not give unlimited guesses: the device has its own limit
    (20 an hour), whatever address it comes from."""
    owner = owner_browser(app, facilitator.email)
    for number in range(20):
        assert try_login(owner, f"127.0.1.{number}", facilitator.email, "wrong").status_code == 422
    assert try_login(owner, "127.0.1.99", facilitator.email, PASSWORD).status_code == 429
