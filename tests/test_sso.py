"""Single sign-on against a real OpenID provider (tests/oidc: oidc-provider under Node, on 127.0.0.1).

The app runs in Flask's test client and talks to the provider over real HTTP (discovery, keys,
token endpoint); a requests session plays the browser at the provider. Every refusal must leave
the person logged out, with a message that says why, and create nothing.
"""
from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import func, select

from support.forms import Browser
from support.factories import PASSWORD
from support.databases import copy_sqlite_file, load_into_memory
from support.postgres import empty_postgres
from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.models import Facilitator
from facilitator.services.accounts import create_facilitator, get_facilitator_by_email
from facilitator.services.staff import deactivate
from support.oidc_provider import OidcProvider, sign_in_at_provider

APP_URL = "http://localhost"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    running = OidcProvider([f"{APP_URL}/auth/sso/callback"], [f"{APP_URL}/auth/login"], log)
    yield running
    running.close()


def make_sso_app(request, tmp_path, settings: dict):
    if request.param == "postgres":
        uri = request.getfixturevalue("postgres_url")
    elif request.param == "file":
        uri = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        copy_sqlite_file(request.getfixturevalue("migrated_sqlite"), tmp_path / "test.sqlite3")
    else:
        uri = "sqlite://"
    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri, **settings}))
    # As conftest.py's app fixture: SQLite starts from the session's migrated copy.
    with app.app_context():
        if request.param == "postgres":
            upgrade()
            empty_postgres(app)
        elif request.param == "memory":
            load_into_memory(request.getfixturevalue("migrated_sqlite"))
    return app


@pytest.fixture(params=["memory", "file", "postgres"])
def sso(request, tmp_path, provider):
    """An app that signs in at the test provider; hol.kommune.test may sign in, accounts are made
    on the first sign-in, and the group "facilitator-admins" makes administrators. Kari has an
    account (an administrator, the installation's first)."""
    settings = provider.app_settings(SSO_ALLOWED_DOMAINS=["hol.kommune.test"], SSO_CREATE_ACCOUNTS=True,
                                     SSO_ADMIN_GROUPS=["facilitator-admins"])
    app = make_sso_app(request, tmp_path, settings)
    with app.app_context():
        kari = create_facilitator("kari@hol.kommune.test", "Kari Nordmann", PASSWORD, role="administrator")
        db.session.commit()
        kari_id = kari.id
    yield SimpleNamespace(app=app, provider=provider, client=app.test_client(), kari_id=kari_id)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start_sign_in(client):
    started = client.get("/auth/sso/start?next=/host/")
    assert started.status_code == 302
    return started.location


def sign_in(sso, login: str, agent=None, headers=None):
    """The whole flow: the app's redirect, the provider's sign-in, the app's callback."""
    back = sign_in_at_provider(start_sign_in(sso.client), login, APP_URL + "/", agent)
    return sso.client.get(back, headers=headers)


def log_out(client):
    return Browser(client).submit("/host/", "/auth/logout")


def is_logged_in(client) -> bool:
    return client.get("/host/").status_code == 200


def login_page_text(client) -> str:
    return client.get("/auth/login").get_data(as_text=True)


def account_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Facilitator.id)))


def test_the_authorization_request_uses_pkce_state_and_nonce(sso):
    query = parse_qs(urlsplit(start_sign_in(sso.client)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["response_type"] == ["code"] and query["client_id"] == ["facilitator"]
    assert query["redirect_uri"] == [f"{APP_URL}/auth/sso/callback"]


def test_a_verified_email_opens_its_account(sso):
    response = sign_in(sso, "kari@hol.kommune.test")
    assert response.status_code == 303 and response.location == "/host/"
    assert is_logged_in(sso.client)
    assert account_count(sso.app) == 1


def test_the_first_sign_in_makes_an_account_in_an_allowed_domain(sso):
    sso.provider.set_claims("ola@hol.kommune.test", name="Ola Nordmann")
    assert sign_in(sso, "ola@hol.kommune.test").status_code == 303
    assert is_logged_in(sso.client)
    with sso.app.app_context():
        ola = get_facilitator_by_email("ola@hol.kommune.test")
        assert ola.name == "Ola Nordmann" and ola.role == "facilitator" and ola.active


def test_the_administrators_group_gives_and_takes_the_role(sso):
    sso.provider.set_claims("siri@hol.kommune.test", groups=["facilitator-admins", "staff"])
    sign_in(sso, "siri@hol.kommune.test")
    with sso.app.app_context():
        assert get_facilitator_by_email("siri@hol.kommune.test").role == "administrator"
    sso.provider.set_claims("siri@hol.kommune.test", groups=["staff"])
    log_out(sso.client)  # logging in again reads the new groups
    sign_in(sso, "siri@hol.kommune.test")
    with sso.app.app_context():
        assert get_facilitator_by_email("siri@hol.kommune.test").role == "facilitator"


def test_the_last_administrator_keeps_the_role_outside_the_group(sso):
    """Kari is the only administrator and not in the group: demoting her would leave nobody to
    manage the accounts."""
    sign_in(sso, "kari@hol.kommune.test")
    with sso.app.app_context():
        assert get_facilitator_by_email("kari@hol.kommune.test").role == "administrator"


def refused(sso, login: str, message: str, misbehave: str | None = None) -> None:
    accounts = account_count(sso.app)
    if misbehave:
        sso.provider.misbehave(misbehave)
    response = sign_in(sso, login)
    assert response.status_code == 303 and response.location == "/auth/login"
    assert message in login_page_text(sso.client)
    assert not is_logged_in(sso.client)
    assert account_count(sso.app) == accounts


def test_an_unverified_email_is_refused(sso):
    sso.provider.set_claims("eve@hol.kommune.test", email_verified=False)
    refused(sso, "eve@hol.kommune.test", "has not verified the address eve@hol.kommune.test")


def test_an_email_verified_only_as_a_string_is_refused(sso):
    sso.provider.set_claims("tor@hol.kommune.test", email_verified="false")
    refused(sso, "tor@hol.kommune.test", "has not verified the address tor@hol.kommune.test")


def test_an_address_outside_the_allowed_domains_is_refused(sso):
    refused(sso, "guest@elsewhere.test", "Addresses at elsewhere.test cannot sign in here.")


def test_a_deactivated_account_cannot_sign_in(sso):
    with sso.app.app_context():
        per = create_facilitator("per@hol.kommune.test", "Per", PASSWORD)
        db.session.flush()
        deactivate(None, per)
        db.session.commit()
    refused(sso, "per@hol.kommune.test", "The account per@hol.kommune.test has been deactivated.")


def test_an_id_token_for_another_audience_is_refused(sso):
    refused(sso, "kari@hol.kommune.test", "meant for another application", misbehave="audience")


def test_an_expired_id_token_is_refused(sso):
    refused(sso, "kari@hol.kommune.test", "answer has expired", misbehave="expired")


def test_an_id_token_with_another_nonce_is_refused(sso):
    refused(sso, "kari@hol.kommune.test", "does not belong to this sign-in", misbehave="nonce")


def test_a_callback_used_twice_is_refused(sso):
    back = sign_in_at_provider(start_sign_in(sso.client), "kari@hol.kommune.test", APP_URL + "/")
    assert sso.client.get(back).status_code == 303
    log_out(sso.client)
    again = sso.client.get(back)
    assert again.status_code == 303 and again.location == "/auth/login"
    assert "already been used" in login_page_text(sso.client)
    assert not is_logged_in(sso.client)


def test_a_callback_without_a_sign_in_is_refused(sso):
    response = sso.client.get("/auth/sso/callback?code=forged&state=forged")
    assert response.status_code == 303
    assert "already been used" in login_page_text(sso.client)


def test_the_refusal_speaks_the_browsers_language(sso):
    sign_in(sso, "guest@elsewhere.test", headers={"Accept-Language": "nb"})
    page = sso.client.get("/auth/login", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Adresser på elsewhere.test kan ikke logge inn her." in page


@pytest.mark.parametrize("sso", ["memory"], indirect=True)
def test_without_account_creation_an_unknown_address_is_refused(sso):
    sso.app.config["SSO_CREATE_ACCOUNTS"] = False
    refused(sso, "new@hol.kommune.test", "There is no account for new@hol.kommune.test here.")


def test_logout_ends_the_session_at_the_provider_too(sso):
    agent = requests.Session()
    sign_in(sso, "kari@hol.kommune.test", agent)
    logout = log_out(sso.client)
    assert logout.status_code == 303
    end_session = urlsplit(logout.location)
    assert f"{end_session.scheme}://{end_session.netloc}" == sso.provider.issuer
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{APP_URL}/auth/login"]
    assert query["client_id"] == ["facilitator"] and query["id_token_hint"][0].count(".") == 2
    assert not is_logged_in(sso.client)
    # The provider asks to confirm, then sends the browser back to the login page.
    confirm = agent.get(logout.location, timeout=5)
    form = dict(re_inputs(confirm.text), logout="yes")
    back = agent.post(urlsplit(confirm.url)._replace(path="/session/end/confirm", query="").geturl(),
                      data=form, allow_redirects=False, timeout=5)
    assert back.headers["Location"] == f"{APP_URL}/auth/login"
    # Signed out there too: the next sign-in asks for the login again.
    again = agent.get(start_sign_in(sso.client), allow_redirects=True, timeout=5)
    assert urlsplit(again.url).path.startswith("/interaction/") and 'name="login"' in again.text


def re_inputs(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def test_a_password_login_logs_out_here_only(sso):
    assert Browser(sso.client).submit("/auth/login", data={"email": "kari@hol.kommune.test",
                                                           "password": PASSWORD}).status_code == 303
    assert log_out(sso.client).location == "/auth/login"


def test_pages_of_an_sso_session_may_send_the_logout_form_to_the_provider(sso):
    sign_in(sso, "kari@hol.kommune.test")
    policy = sso.client.get("/host/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {sso.provider.issuer};" in policy


def test_the_login_page_offers_the_provider(sso):
    page = login_page_text(sso.client)
    assert "Log in with Hol kommune" in page and 'href="/auth/sso/start' in page
    assert 'name="password"' in page


@pytest.mark.parametrize("sso", ["memory"], indirect=True)
def test_password_login_can_be_switched_off(sso):
    sso.app.config["PASSWORD_LOGIN"] = False
    page = login_page_text(sso.client)
    assert "Log in with Hol kommune" in page and 'name="password"' not in page
    # A form kept open from before the switch, with a valid CSRF token (the page's htmx headers').
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
    response = sso.client.post("/auth/login", data={"csrf_token": token, "email": "kari@hol.kommune.test",
                                                    "password": PASSWORD})
    assert response.status_code == 403
    assert "Logging in with a password is switched off here." in response.get_data(as_text=True)
    assert not is_logged_in(sso.client)


def test_an_unreachable_provider_is_said_so(provider):
    fresh = create_app(type("Config", (TestConfig,), {
        **provider.app_settings(), "SSO_ISSUER": "http://127.0.0.1:9", "SSO_TIMEOUT": 2}))
    with fresh.app_context():
        upgrade()
    client = fresh.test_client()
    response = client.get("/auth/sso/start")
    assert response.status_code == 303
    assert "could not be reached" in client.get("/auth/login", follow_redirects=True).get_data(as_text=True)


def test_without_sso_there_is_no_button_and_no_route(app, client, facilitator):
    assert "/auth/sso/start" not in client.get("/auth/login").get_data(as_text=True)
    assert client.get("/auth/sso/start").status_code == 404
    assert client.get("/auth/sso/callback").status_code == 404
