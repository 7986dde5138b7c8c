#!/usr/bin/env python3
"""Screenshots of the main screens, for the README and docs/screenshots/.

  python scripts/screenshots.py                  # starts its own demo server, then stops it
  python scripts/screenshots.py --url http://127.0.0.1:5000 --password PASSWORD   # a running `make run` demo

Phones are shot at 390×844, the projector at 1920×1080 and the console at 1366×900, in
Debian's Chromium through Playwright (the test dependencies). The script steers the demo
workshop as a facilitator would (a phone joins, a round starts, voting opens), so point
--url only at a demo server, never at a real workshop. With its own server it also fills a
second workshop with 300 suggestions to show how the projector copes with a crowd.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "nb-NO"}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "nb-NO"}
CONSOLE = {"viewport": {"width": 1366, "height": 900}, "locale": "nb-NO"}
DEMO_EMAIL = "demo@facilitator.invalid"
CROWD = 300
SEED = """
import sys
from facilitator import create_app
from facilitator.infra.extensions import db
from facilitator.services.participants import join_workshop
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.workshops import get_workshop_by_code
app = create_app()
with app.app_context():
    workshop = get_workshop_by_code(sys.argv[1])
    question = workshop.current_question or workshop.questions[0]
    people = [join_workshop(workshop) for _ in range(60)]
    for index, text in enumerate(sys.stdin.read().split("\\n")):
        submit_suggestion(people[index % len(people)], question, text)
    db.session.commit()
"""
IDEAS = ["Kaffe og en god prat", "Fast kontaktperson det første året", "Velkomstmøte hver høst",
         "Kart over turstier og badeplasser", "Hjelp med barnehageplass", "Fadder fra nabolaget",
         "Informasjon på flere språk", "Åpent servicetorg også på kveldstid", "Felles dugnad i bygda",
         "Digital velkomstpakke", "Jobbformidling for partnere", "Kveldskurs i norsk", "Idrettslag som ringer",
         "Besøk fra ordføreren", "Rabatt på kulturhuset første år"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            input=stdin, capture_output=True, text=True, timeout=300)
    if result.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextmanager
def demo_server():
    """gunicorn on a free port over a fresh SQLite file holding the demo; yields (url, env, the
    demo login's password)."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/screenshots.sqlite3",
               "SECRET_KEY": secrets.token_hex(16), "SOCKETIO_ASYNC_MODE": "gevent", "PUBLIC_URL": ""}
        flask(env, "db", "upgrade")
        flask(env, "demo")
        password = flask(env, "demo", "--reset-password").strip().splitlines()[-1]
        log = open(Path(tmp) / "server.log", "wb")
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "1",
                                   "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", "wsgi:app"], cwd=ROOT, env=env,
                                  stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url)
            yield url, env, password
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urlopen(url + "/accessibility", timeout=1):  # noqa: S310 - our own local server
                return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer: the server is up
                return
            time.sleep(0.2)
    sys.exit("the server did not start")


def crowd(env: dict) -> str:
    """A second demo workshop whose first question holds 300 suggestions; returns its code."""
    code = flask(env, "demo").strip().splitlines()[-1]
    texts = [f"{IDEAS[i % len(IDEAS)]} ({i + 1})" for i in range(CROWD)]
    result = subprocess.run([sys.executable, "-c", SEED, code], cwd=ROOT, input="\n".join(texts), text=True,
                            env={**env, "SOCKETIO_ASYNC_MODE": "threading"}, capture_output=True, timeout=300)
    if result.returncode:
        sys.exit(f"seeding failed:\n{result.stderr}")
    return code


class Shooter:
    def __init__(self, browser, base: str, out: Path, password: str):
        self.browser, self.base, self.out, self.password = browser, base, out, password
        self.taken: list[Path] = []
        self.console = browser.new_context(**CONSOLE).new_page()
        self.projector = self.console.context.new_page()
        self.projector.set_viewport_size(PROJECTOR["viewport"])

    def shot(self, page, name: str, full_page: bool = False) -> None:
        page.evaluate("() => document.fonts.ready")
        page.wait_for_timeout(600)  # arrival animations end
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def post(self, page, selector: str) -> None:
        with page.expect_navigation():
            page.locator(selector).first.click()

    def log_in(self) -> str:
        page = self.console
        page.goto(self.base + "/auth/login")
        page.fill("#email", DEMO_EMAIL)
        page.fill("#password", self.password)
        page.click("main button[type=submit]")
        page.wait_for_url("**/host/**")
        page.goto(self.base + "/host/")
        page.locator(".workshop-list a").first.click()
        page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
        return page.url

    def show_question(self, question_id: int) -> None:
        """Put a question on the projector from the console (an htmx swap, no page load)."""
        self.console.locator(f"#question-{question_id} form[action$='/show'] button").click()
        self.console.wait_for_selector(f"#question-{question_id}.current")

    def show(self, workshop_url: str, code: str, view: str, group: str = "none", question: int | None = None):
        page = self.console
        page.goto(workshop_url + "/suggestions" + (f"?question={question}" if question else ""))
        page.check(f"input[name=view][value={view}]")
        page.check(f"input[name=group][value={group}]")
        self.post(page, "form[action*='/projector'] button[type=submit]")
        self.projector.goto(f"{self.base}/projector/{code}")
        self.projector.wait_for_selector("[data-live-status][data-state=online]")

    def phone(self, code: str, scheme: str = "light"):
        page = self.browser.new_context(**PHONE, color_scheme=scheme).new_page()
        page.goto(f"{self.base}/j/{code}")
        return page

    def run(self, make_crowd=None) -> None:
        """Every screen in turn; ``make_crowd`` returns the code of a workshop with 300 suggestions."""
        page, projector = self.console, self.projector
        workshop = self.log_in()
        code = page.inner_text("[data-testid=join-code]").replace(" ", "")
        question_ids = [int(q.split("-")[1]) for q in page.eval_on_selector_all(
            ".question-list .question", "els => els.map(e => e.id)")]
        front = self.browser.new_context(**PHONE).new_page()
        front.goto(self.base + "/")
        self.shot(front, "phone-front")
        front.context.close()

        self.shot(page, "console-overview")
        self.show(workshop, code, "list")
        self.shot(projector, "projector-list")
        self.show(workshop, code, "ranking")
        self.shot(projector, "projector-ranking")
        self.show(workshop, code, "cloud")
        self.shot(projector, "projector-cloud")

        # The second question, grouped by the themes the facilitator made on the board.
        page.goto(workshop)
        self.show_question(question_ids[1])
        self.show(workshop, code, "list", "theme", question_ids[1])
        self.shot(projector, "projector-themes")
        page.goto(f"{workshop}/suggestions?question={question_ids[1]}")
        self.shot(page, "console-board")

        # A café round on the first question; a phone sits down at table 2.
        page.goto(workshop)
        self.show_question(question_ids[0])
        page.goto(workshop + "/cafe")
        page.fill("#round-minutes", "15")
        self.post(page, "form[action$='/cafe/rounds'] button[type=submit]")
        self.shot(page, "console-cafe")
        phone = self.phone(code)
        self.shot(phone, "phone-join")
        phone.fill("#display_name", "Kari")
        phone.select_option("#table", "2")
        phone.click("main button[type=submit]")
        phone.wait_for_selector("[data-live-status][data-state=online]")
        phone.locator(".phone-question textarea").first.fill("Ta imot nye innbyggere med kaffe og kart")
        phone.locator(".phone-question button[type=submit]").first.click()
        phone.locator(".own-suggestions li").first.wait_for()
        self.shot(phone, "phone-question")
        projector.goto(f"{self.base}/projector/{code}")
        self.show(workshop, code, "list")
        self.shot(projector, "projector-round")
        phone.emulate_media(color_scheme="dark")
        self.shot(phone, "phone-question-dark")
        phone.emulate_media(color_scheme="light")

        page.goto(workshop + "/suggestions")
        self.post(page, "form[action*='/voting/open'] button[type=submit]")
        phone.reload()
        phone.locator(".voting").first.wait_for()
        self.shot(phone, "phone-voting")
        self.show(workshop, code, "tally")
        self.shot(projector, "projector-tally")
        page.goto(workshop + "/minutes")
        self.shot(page, "console-minutes")
        phone.context.close()

        if make_crowd:
            projector.goto(f"{self.base}/projector/{make_crowd()}")
            projector.wait_for_selector("[data-live-status][data-state=online]")
            self.shot(projector, "projector-300-suggestions")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server with the demo loaded (default: start one)")
    parser.add_argument("--password", help="with --url: the demo login's password, as `make run` printed it "
                                           "(`flask --app wsgi demo --reset-password` makes a new one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if args.url and not args.password:
        parser.error("--url needs --password")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            if args.url:
                Shooter(browser, args.url.rstrip("/"), args.out, args.password).run(None)
            else:
                with demo_server() as (url, env, password):
                    Shooter(browser, url, args.out, password).run(lambda: crowd(env))
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
