"""E-mail against a real SMTP server (aiosmtpd, STARTTLS with a self-signed certificate, login):
a forgotten password's single-use, expiring link; an administrator's invitation; sign-up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from facilitator.infra.extensions import db
from facilitator.models import AccountToken, Facilitator, utcnow
from facilitator.services.accounts import authenticate

from support.factories import PASSWORD, make_facilitator
from support.smtp import SmtpServer

# aiosmtpd's own AUTH code uses an attribute it has deprecated; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")

NEW_PASSWORD = "nordlys over fjellet"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("smtp"))
    yield server
    server.stop()


@pytest.fixture
def mailing_app(app, smtp):
    smtp.inbox.messages.clear()
    smtp.inbox.over_tls.clear()
    smtp.configure(app)
    return app


def ask_for_reset(browser, address: str):
    return browser.submit("/account/forgot", data={"email": address})


def test_a_forgotten_password_link_arrives_over_starttls_and_works_once(mailing_app, smtp, browser, facilitator):
    response = ask_for_reset(browser, facilitator.email)
    assert response.status_code == 303
    [message] = smtp.inbox.messages
    assert smtp.inbox.over_tls == [True]
    assert message["To"] == facilitator.email and message["From"] == "facilitator@kommune.example"
    [link] = smtp.inbox.links(r"http://localhost/account/reset/\S+")
    path = link.removeprefix("http://localhost")
    set_new = browser.submit(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert set_new.status_code == 303 and set_new.headers["Location"].endswith("/auth/login")
    with mailing_app.app_context():
        assert authenticate(facilitator.email, NEW_PASSWORD) is not None
        assert authenticate(facilitator.email, PASSWORD) is None
        # Only the token's hash is stored.
        token = path.rsplit("/", 1)[1]
        assert token not in str(db.session.scalars(select(AccountToken.token_hash)).all())
    again = browser.get(path)
    assert again.status_code == 302 and "/auth/login" in again.headers["Location"]
    assert "used or has expired" in browser.get("/auth/login").get_data(as_text=True)


def test_the_answer_is_the_same_for_an_unknown_address_and_no_mail_goes_out(mailing_app, smtp, browser,
                                                                            facilitator):
    known = ask_for_reset(browser, facilitator.email)
    known_page = browser.get("/auth/login").get_data(as_text=True).replace(facilitator.email, "ADDRESS")
    unknown = ask_for_reset(browser, "nobody@example.org")
    unknown_page = browser.get("/auth/login").get_data(as_text=True).replace("nobody@example.org", "ADDRESS")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert "If an account exists" in known_page and "If an account exists" in unknown_page
    assert len(smtp.inbox.messages) == 1


def test_an_expired_link_is_refused_and_changes_nothing(mailing_app, smtp, browser, facilitator):
    ask_for_reset(browser, facilitator.email)
    [link] = smtp.inbox.links(r"http://localhost/account/reset/\S+")
    with mailing_app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    path = link.removeprefix("http://localhost")
    response = browser.client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code in (302, 400)
    with mailing_app.app_context():
        assert authenticate(facilitator.email, PASSWORD) is not None


def test_a_second_request_voids_the_first_link(mailing_app, smtp, browser, facilitator):
    ask_for_reset(browser, facilitator.email)
    ask_for_reset(browser, facilitator.email)
    first, second = smtp.inbox.links(r"http://localhost/account/reset/\S+")
    assert browser.get(first.removeprefix("http://localhost")).status_code == 302
    assert browser.get(second.removeprefix("http://localhost")).status_code == 200


def test_a_common_password_is_refused_on_the_reset_page(mailing_app, smtp, browser, facilitator):
    ask_for_reset(browser, facilitator.email)
    [link] = smtp.inbox.links(r"http://localhost/account/reset/\S+")
    path = link.removeprefix("http://localhost")
    response = browser.submit(path, data={"password": "passord1234", "confirm": "passord1234"})
    assert response.status_code == 422
    assert "among the most used" in response.get_data(as_text=True)
    assert browser.get(path).status_code == 200, "a refused password must not use up the link"


def test_an_unverified_certificate_is_refused(mailing_app, smtp, browser, facilitator):
    """STARTTLS checks the server's certificate: without MAIL_CA_FILE the self-signed one fails."""
    mailing_app.config["MAIL_CA_FILE"] = ""
    response = ask_for_reset(browser, facilitator.email)
    assert response.status_code == 303  # the same answer: nothing tells whether the address exists
    assert smtp.inbox.messages == []


def admin_browser(app, browser):
    from facilitator.models import AccountRole
    person = make_facilitator(app, "astrid.admin@example.org", "Astrid Admin")
    with app.app_context():
        db.session.get(Facilitator, person.id).role = AccountRole.ADMINISTRATOR
        db.session.commit()
    assert browser.submit("/auth/login", data={"email": person.email, "password": PASSWORD}).status_code == 303
    return person


def test_an_invitation_by_e_mail_makes_an_account_with_its_role(mailing_app, smtp, browser, client):
    admin = admin_browser(mailing_app, browser)
    response = browser.submit("/admin/", "/admin/invite", {"email": "Kari@Hol.Kommune.no", "role": "administrator"})
    assert response.status_code == 303
    [message] = smtp.inbox.messages
    assert message["To"] == "Kari@Hol.Kommune.no" or message["To"] == "kari@hol.kommune.no"
    assert admin.name in message.get_content()
    [link] = smtp.inbox.links(r"http://localhost/account/welcome/\S+")
    newcomer = mailing_app.test_client()
    from support.forms import Browser
    made = Browser(newcomer).submit(link.removeprefix("http://localhost"),
                                    data={"name": "Kari Nordmann", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert made.status_code == 303
    assert newcomer.get("/admin/").status_code == 200, "the invitation made an administrator"
    with mailing_app.app_context():
        kari = db.session.scalar(select(Facilitator).where(Facilitator.email == "kari@hol.kommune.no"))
        assert (kari.name, kari.role, kari.active) == ("Kari Nordmann", "administrator", True)
    log = browser.get("/admin/").get_data(as_text=True)
    assert "Invited by e-mail" in log and "Account created" in log


def test_sign_up_only_for_the_configured_domains(mailing_app, smtp, browser):
    mailing_app.config["SIGNUP_DOMAINS"] = ["hol.kommune.no"]
    refused = browser.submit("/account/signup", data={"email": "someone@example.org"})
    assert refused.status_code == 422 and "@hol.kommune.no" in refused.get_data(as_text=True)
    assert smtp.inbox.messages == []
    sent = browser.submit("/account/signup", data={"email": "per@hol.kommune.no"})
    assert sent.status_code == 303
    [link] = smtp.inbox.links(r"http://localhost/account/welcome/\S+")
    made = browser.submit(link.removeprefix("http://localhost"),
                          data={"name": "Per Hol", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert made.status_code == 303
    with mailing_app.app_context():
        per = db.session.scalar(select(Facilitator).where(Facilitator.email == "per@hol.kommune.no"))
        assert (per.role, per.active) == ("facilitator", True)


def test_sign_up_is_absent_unless_configured(app, client):
    assert client.get("/account/signup").status_code == 404
