"""Facilitator accounts: first-run set-up, login, logout."""
from sqlalchemy import select

from facilitator.infra.extensions import db
from facilitator.models import Facilitator

from support.factories import PASSWORD


def test_first_visit_offers_to_create_the_first_account(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/setup")
    page = client.get("/auth/setup").get_data(as_text=True)
    assert "Create account" in page


def test_setup_creates_account_with_a_strong_hash_and_logs_in(app, browser):
    response = browser.submit("/auth/setup", data={
        "name": "Turid", "email": "Turid@Example.org ", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 303
    with app.app_context():
        person = db.session.scalar(select(Facilitator))
    assert person.email == "turid@example.org"
    assert person.password_hash.startswith("scrypt:") and PASSWORD not in person.password_hash
    assert browser.get("/host/").status_code == 200


def test_setup_is_closed_once_an_account_exists(browser, facilitator):
    response = browser.get("/auth/setup")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")


def test_setup_says_what_is_wrong(app, browser):
    response = browser.submit("/auth/setup", data={
        "name": "", "email": "not-an-address", "password": "short", "confirm": "other"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter your name." in page
    assert "That does not look like an e-mail address." in page
    assert "at least 10 characters" in page
    with app.app_context():
        assert db.session.scalar(select(Facilitator)) is None


def test_wrong_password_is_refused_with_a_message(browser, facilitator):
    response = browser.submit("/auth/login", data={"email": facilitator.email, "password": "nope"})
    assert response.status_code == 422
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert browser.get("/host/").status_code == 302


def test_login_then_logout_ends_the_session_everywhere(app, browser, facilitator):
    other = app.test_client()
    from support.forms import Browser
    Browser(other).submit("/auth/login", data={"email": facilitator.email, "password": PASSWORD})
    assert other.get("/host/").status_code == 200
    browser.submit("/auth/login", data={"email": facilitator.email, "password": PASSWORD})
    response = browser.submit("/host/", "/auth/logout")
    assert response.status_code == 303
    assert browser.get("/host/").status_code == 302
    # The other browser's copy of the session is dead too.
    assert other.get("/host/").status_code == 302


def test_login_redirects_only_to_local_paths(browser, facilitator):
    response = browser.submit("/auth/login?next=//evil.example/x", "/auth/login?next=//evil.example/x",
                              data={"email": facilitator.email, "password": PASSWORD})
    assert response.headers["Location"] == "/host/"


def test_post_without_csrf_token_is_refused(client, facilitator):
    response = client.post("/auth/login", data={"email": facilitator.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)


def test_an_idle_facilitator_is_logged_out_an_active_one_stays(app, logged_in):
    import time
    client = logged_in.client
    hours = app.config["FACILITATOR_IDLE_HOURS"]
    # Active two hours ago: still logged in, and the time of this visit is remembered.
    with client.session_transaction() as saved:
        saved["seen"] = int(time.time()) - 2 * 3600
    assert client.get("/host/").status_code == 200
    with client.session_transaction() as saved:
        assert time.time() - saved["seen"] < 60
    # Away for longer than the limit: logged out, told why, and sent to log in again.
    with client.session_transaction() as saved:
        saved["seen"] = int(time.time()) - hours * 3600 - 60
    response = client.get("/host/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"logged out after {hours} hours without activity" in page
    with client.session_transaction() as saved:
        assert "_user_id" not in saved
