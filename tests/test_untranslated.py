"""Every word a user reads goes through the translation catalogs.

The pages are rendered under a pseudo-locale whose catalog wraps every
message in ‹ ›; any visible text left outside the brackets (that is not
the user's own data, a number or punctuation) was never marked for
translation.
"""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_migrate import upgrade

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.infra.i18n import LANGUAGE_NAMES

from support.forms import Browser, csrf_token_in, join
from support.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
PSEUDO = "eo"
# What users type in this test: all of it starts with "Zq" so it can be told apart.
USER_TEXT = re.compile(r"zq[\w\-?.@ ]*", re.IGNORECASE)
ALLOWED = re.compile(r"^[\s\d\W]*$")
ALLOWED_WORDS = {"facilitator", PSEUDO, "http://", "localhost", "j/"} | set(LANGUAGE_NAMES.values())
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class TextCollector(HTMLParser):
    """Visible text nodes and the attributes a screen reader or a tooltip shows."""

    def __init__(self):
        super().__init__()
        self.chunks, self.skip = [], 0
        self.kept_as_is: list[str] = []  # open elements marked translate="no" (addresses)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "svg"):
            self.skip += 1
        if dict(attrs).get("translate") == "no":
            self.kept_as_is.append(tag)
            self.skip += 1
        for name, value in attrs:
            if value and (name in VISIBLE_ATTRIBUTES or
                          (name == "value" and dict(attrs).get("type") in ("submit", "button"))):
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "svg"):
            self.skip -= 1
        if self.kept_as_is and self.kept_as_is[-1] == tag:
            self.kept_as_is.pop()
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(data)


def untranslated(html: str, code: str) -> list[str]:
    collector = TextCollector()
    collector.feed(html)
    leftovers = []
    for chunk in collector.chunks:
        rest = re.sub(r"‹[^›]*›", " ", chunk)
        rest = USER_TEXT.sub(" ", rest)
        for word in (*ALLOWED_WORDS, code, f"{code[:3]} {code[3:]}"):
            rest = rest.replace(word, " ")
        if not ALLOWED.match(rest):
            leftovers.append(chunk.strip())
    return leftovers


@pytest.fixture(scope="module")
def pseudo_catalogs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("translations")
    pot = folder / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True)
    with open(pot, "rb") as handle:
        catalog = read_po(handle, locale=PSEUDO)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(f"‹{form}›" for form in message.id)
        else:
            message.string = f"‹{message.id}›"
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return folder


@pytest.fixture
def pseudo_app(pseudo_catalogs, tmp_path):
    config = type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pseudo.sqlite3'}",
        "BABEL_TRANSLATION_DIRECTORIES": str(pseudo_catalogs),
        "LANGUAGES": [*TestConfig.LANGUAGES, PSEUDO],
    })
    app = create_app(config)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def populate(app):
    """A café workshop in the pseudo-locale with a table, a round, votes, a theme and an action."""
    from facilitator.models import Facilitator
    from facilitator.services import moderation, rounds, tables, themes, voting
    from facilitator.services.accounts import create_facilitator
    from facilitator.services.invites import create_invite
    from facilitator.services.participants import join_workshop
    from facilitator.services.suggestions import submit_suggestion
    from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop
    with app.app_context():
        owner = create_facilitator("zq@example.org", "Zq Owner", PASSWORD, locale=PSEUDO)
        workshop = create_workshop(owner, WorkshopDetails(title="Zq Workshop", language=PSEUDO,
                                                          place="Zq Place", theme="Zq Theme"),
                                   ["Zq first?", "Zq second?"])
        change_status(workshop, "live")
        tables.set_table_count(owner, workshop, 2)
        person = join_workshop(workshop, "Zq Person")
        tables.seat(person, workshop.tables[0])
        tables.set_role(person, "host")
        rounds.start_round(owner, workshop, 10, workshop.questions[0])
        first, _ = submit_suggestion(person, workshop.questions[0], "Zqidea Zqone")
        second, _ = submit_suggestion(person, workshop.questions[0], "Zqidea Zqtwo")
        moderation.set_pinned(owner, first, True)
        moderation.set_status(owner, second, "hidden")
        moderation.set_status(owner, second, "visible")
        theme = themes.create_theme(owner, workshop, "Zq Theme one", workshop.questions[0])
        themes.assign_theme(owner, first, theme)
        themes.create_action(owner, workshop, "Zq action", "Zq Who", None, suggestion=first)
        voting.open_voting(owner, workshop.questions[0])
        create_invite(owner, workshop)
        db.session.commit()
        return workshop.id, workshop.join_code, db.session.get(Facilitator, owner.id).email


def test_every_page_speaks_through_the_catalog(pseudo_app):
    workshop_id, code, email = populate(pseudo_app)
    facilitator = Browser(pseudo_app.test_client())
    assert facilitator.submit("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 303
    console = f"/host/workshops/{workshop_id}"
    pages = {url: facilitator.get(url) for url in [
        "/host/", "/host/workshops/new", console, f"{console}/edit", f"{console}/cafe",
        f"{console}/suggestions", f"{console}/actions", f"{console}/team", f"{console}/minutes",
        f"/projector/{code}", "/host/workshops/999999"]}
    for view in ("cloud", "tally", "ranking"):
        page = facilitator.get(f"{console}/suggestions").get_data(as_text=True)
        facilitator.client.post(f"{console}/projector", data={"csrf_token": csrf_token_in(page), "view": view,
                                                              "group": "table"})
        pages[f"stage:{view}"] = facilitator.get(f"/projector/{code}/stage")
    anonymous = pseudo_app.test_client()
    headers = {"Accept-Language": PSEUDO}
    pages["/"] = anonymous.get("/", headers=headers)
    pages["/auth/login"] = anonymous.get("/auth/login", headers=headers)
    pages["join"] = anonymous.get(f"/j/{code}", headers=headers)
    pages["404"] = anonymous.get("/j/ZZZZZZ", headers=headers)
    phone = pseudo_app.test_client()
    phone.get(f"/j/{code}", headers=headers)
    join(phone, type("W", (), {"join_code": code})(), "Zq Phone")
    pages["phone"] = phone.get(f"/j/{code}", headers=headers)
    problems = {}
    for name, response in pages.items():
        assert response.status_code in (200, 404), (name, response.status_code)
        leftovers = untranslated(response.get_data(as_text=True), code)
        if leftovers:
            problems[name] = leftovers[:8]
    assert not problems, f"text outside the catalog: {problems}"
