"""Roles and account life: the administrator, deactivation (no login, open sessions end,
workshops stay), handing a workshop over, one's own name and password, common passwords,
the audit log and the command line."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from facilitator.infra.extensions import db
from facilitator.models import AccountEvent, AccountRole, Facilitator, TablePhoto, Workshop
from facilitator.services import DomainError
from facilitator.services.accounts import authenticate, create_facilitator

from support.forms import Browser
from support.factories import PASSWORD, make_facilitator, make_workshop

NEW_PASSWORD = "tusen takk for kaffen"


def make_admin(app, email="astrid.admin@example.org", name="Astrid Admin"):
    person = make_facilitator(app, email, name)
    with app.app_context():
        db.session.get(Facilitator, person.id).role = AccountRole.ADMINISTRATOR
        db.session.commit()
    return person


def log_in(app, person, password=PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    response = browser.submit("/auth/login", data={"email": person.email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return browser


@pytest.fixture
def admin(app):
    return make_admin(app)


@pytest.mark.parametrize("password", ["passord1234", "Salasana123", "lösenord2026", "sommer2026!",
                                      "qwertyuiop", "1234567890", "anne@example.org"])
def test_common_passwords_are_refused_and_nothing_is_made(app, password):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            create_facilitator("anne@example.org", "Anne", password)
        assert refused.value.field == "password"
        db.session.rollback()
        assert db.session.scalar(select(Facilitator.id)) is None


def test_the_set_up_makes_an_administrator_and_says_why_a_password_is_refused(app, browser):
    weak = browser.submit("/auth/setup", data={"name": "Ada", "email": "ada@example.org",
                                               "password": "passord12345", "confirm": "passord12345"})
    assert weak.status_code == 422
    assert "among the most used" in weak.get_data(as_text=True)
    made = browser.submit("/auth/setup", data={"name": "Ada", "email": "ada@example.org",
                                               "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert made.status_code == 303
    assert browser.get("/admin/").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Facilitator.role)) == "administrator"


def test_a_facilitator_cannot_reach_the_administrators_pages(app, admin, facilitator):
    browser = log_in(app, facilitator)
    for url in ("/admin/", "/admin/health", f"/admin/accounts/{admin.id}"):
        assert browser.get(url).status_code == 403
    assert "/admin/" not in browser.get("/host/").get_data(as_text=True)


def test_deactivating_ends_open_sessions_and_logins_but_keeps_the_workshops(app, admin, facilitator):
    colleague = make_facilitator(app, "carl.co@example.org", "Carl Co")
    workshop = make_workshop(app, facilitator.id)
    with app.app_context():
        from facilitator.services.invites import add_member
        add_member(db.session.get(Workshop, workshop.id), db.session.get(Facilitator, colleague.id))
        db.session.commit()
    leaving = log_in(app, facilitator)
    assert leaving.get(f"/host/workshops/{workshop.id}").status_code == 200
    admin_browser = log_in(app, admin)
    response = admin_browser.submit("/admin/", f"/admin/accounts/{facilitator.id}/deactivate")
    assert response.status_code == 303
    # The open session ends at its next request.
    assert leaving.get(f"/host/workshops/{workshop.id}").status_code == 302
    refused = Browser(app.test_client()).submit("/auth/login", data={"email": facilitator.email,
                                                                     "password": PASSWORD})
    assert refused.status_code == 422
    # The workshop stays, and its co-facilitator still steers it.
    assert log_in(app, colleague).get(f"/host/workshops/{workshop.id}").status_code == 200
    page = admin_browser.get("/admin/").get_data(as_text=True)
    assert "Deactivated" in page
    admin_browser.submit("/admin/", f"/admin/accounts/{facilitator.id}/reactivate")
    assert log_in(app, facilitator).get(f"/host/workshops/{workshop.id}").status_code == 200


def test_the_last_administrator_stays(app, admin, facilitator):
    browser = log_in(app, admin)
    browser.submit("/admin/", f"/admin/accounts/{admin.id}/deactivate")
    browser.submit("/admin/", f"/admin/accounts/{admin.id}/role/facilitator")
    with app.app_context():
        me = db.session.get(Facilitator, admin.id)
        assert (me.active, me.role) == (True, "administrator")
    page = browser.get("/admin/").get_data(as_text=True)
    assert "cannot deactivate your own account" in page


def test_a_workshop_is_handed_over_and_the_old_owner_stays_co_facilitator(app, admin, facilitator):
    successor = make_facilitator(app, "siri.successor@example.org", "Siri Successor")
    workshop = make_workshop(app, facilitator.id)
    browser = log_in(app, admin)
    page = browser.get(f"/admin/accounts/{facilitator.id}").get_data(as_text=True)
    assert "Seminar" in page and "Siri Successor" in page
    response = browser.submit(f"/admin/accounts/{facilitator.id}",
                              f"/admin/workshops/{workshop.id}/hand-over",
                              {"new_owner": str(successor.id)})
    assert response.status_code == 303
    with app.app_context():
        roles = {m.facilitator_id: m.role for m in db.session.get(Workshop, workshop.id).members}
        assert roles == {successor.id: "owner", facilitator.id: "co"}
        event = db.session.scalar(select(AccountEvent).where(AccountEvent.action == "workshop_handed_over"))
        assert event.actor_email == admin.email and event.subject_email == successor.email


def test_handing_over_to_a_deactivated_account_is_refused(app, admin, facilitator):
    gone = make_facilitator(app, "gone@example.org", "Gone")
    workshop = make_workshop(app, facilitator.id)
    browser = log_in(app, admin)
    browser.submit("/admin/", f"/admin/accounts/{gone.id}/deactivate")
    response = browser.submit(f"/admin/accounts/{facilitator.id}",
                              f"/admin/workshops/{workshop.id}/hand-over",
                              {"new_owner": str(gone.id)})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Workshop, workshop.id).owner.id == facilitator.id


def test_own_name_and_password_and_other_browsers_are_logged_out(app, facilitator):
    here, elsewhere = log_in(app, facilitator), log_in(app, facilitator)
    wrong = here.submit("/account/", "/account/password",
                        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    common = here.submit("/account/", "/account/password",
                         {"current": PASSWORD, "password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert common.status_code == 422
    changed = here.submit("/account/", "/account/password",
                          {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 303
    assert here.get("/account/").status_code == 200, "this browser stays logged in"
    assert elsewhere.get("/account/").status_code == 302, "other browsers are logged out"
    renamed = here.submit("/account/", "/account/name", {"name": "Anne Berit"})
    assert renamed.status_code == 303
    with app.app_context():
        assert authenticate(facilitator.email, NEW_PASSWORD).name == "Anne Berit"
        actions = set(db.session.scalars(select(AccountEvent.action)))
        assert {"created", "password_changed", "name_changed"} <= actions


def test_an_empty_name_is_refused_with_a_message(app, facilitator):
    browser = log_in(app, facilitator)
    response = browser.submit("/account/", "/account/name", {"name": "   "})
    assert response.status_code == 422 and "Please enter your name." in response.get_data(as_text=True)


def test_the_health_page_shows_the_database_migrations_and_the_last_purge(app, admin, runner):
    browser = log_in(app, admin)
    page = browser.get("/admin/health").get_data(as_text=True)
    assert "Never" in page  # no purge has run
    assert page.count("health-ok") >= 2  # database and migrations
    assert runner.invoke(args=["purge"]).exit_code == 0
    page = browser.get("/admin/health").get_data(as_text=True)
    assert "0 workshops deleted" in page and "Never" not in page


def typed(*answers: str) -> str:
    return "".join(f"{answer}\n" for answer in answers)


def test_command_line_admin_deactivate_reactivate_and_list(app, runner):
    first = runner.invoke(args=["user", "create", "first@example.org", "--name", "First"],
                          input=typed(NEW_PASSWORD, NEW_PASSWORD))
    assert first.exit_code == 0 and "(administrator)" in first.output, first.output
    second = runner.invoke(args=["user", "create", "second@example.org", "--name", "Second"],
                           input=typed("passord123!", "passord123!", NEW_PASSWORD, NEW_PASSWORD))
    assert second.exit_code == 0 and "among the most used" in second.output and "(facilitator)" in second.output
    third = runner.invoke(args=["user", "create", "third@example.org", "--name", "Third", "--admin"],
                          input=typed(NEW_PASSWORD, NEW_PASSWORD))
    assert "(administrator)" in third.output
    assert runner.invoke(args=["user", "deactivate", "second@example.org"]).exit_code == 0
    listing = runner.invoke(args=["user", "list"]).output
    assert "second@example.org\tSecond\tfacilitator\tdeactivated" in listing
    assert "first@example.org\tFirst\tadministrator\tactive" in listing
    with app.app_context():
        assert authenticate("second@example.org", NEW_PASSWORD) is None
    assert runner.invoke(args=["user", "reactivate", "second@example.org"]).exit_code == 0
    with app.app_context():
        assert authenticate("second@example.org", NEW_PASSWORD) is not None
    missing = runner.invoke(args=["user", "deactivate", "nobody@example.org"])
    assert missing.exit_code == 1 and "No account" in missing.output


def test_the_command_line_keeps_the_last_administrator(app, runner, admin):
    result = runner.invoke(args=["user", "deactivate", admin.email])
    assert result.exit_code == 1 and "only active administrator" in result.output


@pytest.mark.parametrize("database", ["file", "postgres"])
def test_the_migration_makes_the_oldest_account_the_administrator(request, tmp_path, database):
    from flask_migrate import upgrade
    from sqlalchemy import text
    from facilitator import create_app
    from facilitator.infra.config import TestConfig
    uri = request.getfixturevalue("postgres_url") if database == "postgres" else f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri}))
    with app.app_context():
        if database == "postgres":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(revision="b3d5f7a9c1e2")
        for number, email in ((2, "later@example.org"), (1, "first@example.org"), (3, "last@example.org")):
            db.session.execute(text(
                "INSERT INTO facilitators (id, email, name, password_hash, locale, session_nonce, created_at) "
                "VALUES (:id, :email, 'X', 'x', 'en', 'n', :at)"),
                {"id": number, "email": email, "at": f"2026-01-0{number} 00:00:00"})
        db.session.commit()
        db.session.remove()
        upgrade()
        rows = db.session.execute(text("SELECT email, role, active FROM facilitators ORDER BY id")).all()
        assert [(email, role, bool(active)) for email, role, active in rows] == [
            ("first@example.org", "administrator", True), ("later@example.org", "facilitator", True),
            ("last@example.org", "facilitator", True)]
        db.session.remove()
        db.engine.dispose()


def test_the_health_page_counts_the_photos_kept_in_the_database(app, admin, runner):
    from jinja2.filters import do_filesizeformat
    browser = log_in(app, admin)
    assert "Photos from the tables" in browser.get("/admin/health").get_data(as_text=True)
    assert runner.invoke(args=["demo"]).exit_code == 0  # the demo's table Flå photographs its cloth
    with app.app_context():
        stored = sum(len(photo.image) for photo in db.session.scalars(select(TablePhoto)))
    assert stored > 10_000
    page = browser.get("/admin/health").get_data(as_text=True)
    assert do_filesizeformat(stored) in page
