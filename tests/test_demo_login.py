"""The demo login: a random password printed once, never one anybody could read in the README."""
import re
from pathlib import Path

from support.forms import Browser

from facilitator.services.demo import DEMO_EMAIL

ROOT = Path(__file__).resolve().parents[1]


def printed_password(output: str) -> str:
    match = re.search(rf"Log in as {re.escape(DEMO_EMAIL)} with the password (\S+)", output)
    assert match, output
    return match.group(1)


def log_in(app, password: str):
    browser = Browser(app.test_client())
    return browser, browser.submit("/auth/login", data={"email": DEMO_EMAIL, "password": password})


def test_the_demo_login_gets_a_random_password_printed_once(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    password = printed_password(first.output)
    assert password != "demo-facilitator" and len(password) >= 16
    assert log_in(app, password)[1].status_code == 303
    # A second demo workshop: the same login, whose password is not shown again.
    again = runner.invoke(args=["demo"]).output
    assert password not in again and "--reset-password" in again
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", again.strip().splitlines()[-1])


def test_reset_password_prints_a_new_one_and_ends_the_old_sessions(app, runner):
    old = printed_password(runner.invoke(args=["demo"]).output)
    browser, response = log_in(app, old)
    assert response.status_code == 303
    result = runner.invoke(args=["demo", "--reset-password"])
    assert result.exit_code == 0, result.output
    new = result.output.strip().splitlines()[-1]
    assert new != old and len(new) >= 16
    assert browser.get("/host/").status_code == 302  # the session of the old password ended
    assert log_in(app, old)[1].status_code == 422
    assert log_in(app, new)[1].status_code == 303


def test_reset_password_without_a_demo_says_how_to_make_one(runner):
    result = runner.invoke(args=["demo", "--reset-password"])
    assert result.exit_code != 0
    assert "flask --app wsgi demo" in result.output


def test_a_fresh_start_prints_the_login_and_a_restart_says_how_to_get_in(runner):
    first = runner.invoke(args=["demo", "--if-empty"]).output
    assert printed_password(first)
    again = runner.invoke(args=["demo", "--if-empty"]).output
    assert DEMO_EMAIL in again and "--reset-password" in again


def test_no_password_is_published():
    for path in [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "deploy").glob("**/*.md"))]:
        assert "demo-facilitator" not in path.read_text(encoding="utf-8"), path


def test_the_demo_login_of_a_fresh_installation_is_its_administrator(app, runner):
    # `make run` loads the demo before anyone could use the set-up page: without this, nobody
    # on a fresh installation could reach the administrator's pages.
    password = printed_password(runner.invoke(args=["demo"]).output)
    browser, _ = log_in(app, password)
    assert browser.get("/admin/").status_code == 200
