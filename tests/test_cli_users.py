"""`flask --app wsgi user …`: accounts from the command line, with hidden, confirmed passwords."""
from __future__ import annotations

from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Facilitator
from facilitator.services.accounts import authenticate

from support.factories import PASSWORD

NEW_PASSWORD = "a much longer passphrase"


def typed(*answers: str) -> str:
    return "".join(f"{answer}\n" for answer in answers)


def account_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Facilitator.id)))


def can_log_in(app, email: str, password: str) -> bool:
    with app.app_context():
        return authenticate(email, password) is not None


def test_create_asks_twice_hides_the_password_and_the_account_logs_in(app, runner):
    result = runner.invoke(args=["user", "create", " Kari@Example.org ", "--locale", "nb"],
                           input=typed("Kari Nordmann", NEW_PASSWORD, NEW_PASSWORD))
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output
    assert can_log_in(app, "kari@example.org", NEW_PASSWORD)
    with app.app_context():
        kari = db.session.scalar(select(Facilitator).where(Facilitator.email == "kari@example.org"))
        assert (kari.name, kari.locale) == ("Kari Nordmann", "nb")


def test_create_asks_again_for_a_short_or_mistyped_password(app, runner):
    result = runner.invoke(args=["user", "create", "kari@example.org", "--name", "Kari"],
                           input=typed("short", "short", NEW_PASSWORD, "a typo", NEW_PASSWORD, NEW_PASSWORD))
    assert result.exit_code == 0, result.output
    assert "at least 10 characters" in result.output
    assert "do not match" in result.output
    assert can_log_in(app, "kari@example.org", NEW_PASSWORD)
    assert not can_log_in(app, "kari@example.org", "short")


def test_create_refuses_a_taken_or_malformed_address_and_changes_nothing(app, runner, facilitator):
    taken = runner.invoke(args=["user", "create", facilitator.email.upper(), "--name", "Someone"],
                          input=typed(NEW_PASSWORD, NEW_PASSWORD))
    assert taken.exit_code == 1
    assert "already an account" in taken.output
    malformed = runner.invoke(args=["user", "create", "not-an-address", "--name", "Someone"],
                              input=typed(NEW_PASSWORD, NEW_PASSWORD))
    assert malformed.exit_code == 2
    assert "EMAIL" in malformed.output
    assert account_count(app) == 1
    assert can_log_in(app, facilitator.email, PASSWORD)


def test_set_password_replaces_it_and_logs_out_every_browser(app, runner, facilitator):
    with app.app_context():
        nonce_before = db.session.get(Facilitator, facilitator.id).session_nonce
    result = runner.invoke(args=["user", "set-password", facilitator.email],
                           input=typed(NEW_PASSWORD, NEW_PASSWORD))
    assert result.exit_code == 0, result.output
    assert not can_log_in(app, facilitator.email, PASSWORD)
    assert can_log_in(app, facilitator.email, NEW_PASSWORD)
    with app.app_context():
        assert db.session.get(Facilitator, facilitator.id).session_nonce != nonce_before


def test_set_password_for_an_unknown_address_says_so(app, runner, facilitator):
    result = runner.invoke(args=["user", "set-password", "nobody@example.org"], input=typed(NEW_PASSWORD))
    assert result.exit_code == 1
    assert "No account" in result.output
    assert can_log_in(app, facilitator.email, PASSWORD)


def test_list_shows_every_account(app, runner, facilitator):
    runner.invoke(args=["user", "create", "kari@example.org", "--name", "Kari"],
                  input=typed(NEW_PASSWORD, NEW_PASSWORD))
    lines = runner.invoke(args=["user", "list"]).output.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        [facilitator.email, facilitator.name], ["kari@example.org", "Kari"]]
