"""Two workshops, six roles and a database that can be put back after every request.

The authorization matrix sends several hundred requests, each of which may change
the database (a logout, a deletion, a closed workshop). Building an app per request
costs about 0.35 s, so one app serves them all and the SQLite file under it is copied
back from a template before each request: the engine's only connection is closed
first, so no connection ever sees the file change under it.

Roles carry real sessions: facilitators log in through ``POST /auth/login``,
participants join through ``POST /j/CODE/join``, and each role's CSRF token comes
from a page fetched in its own session. The cookies stay valid across restores
because the template holds the same accounts, tokens and nonces.
"""
from __future__ import annotations

import io
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade
from PIL import Image

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.models import Participant, Question, Workshop
from facilitator.services.accounts import create_facilitator
from facilitator.services.invites import add_member, create_invite
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.answers import submit_answer
from facilitator.services.photos import add_photo
from facilitator.services.question_kinds import KindSettings, set_question_kind
from facilitator.services.tables import seat, set_role, set_table_count
from facilitator.services.themes import create_action, create_theme
from facilitator.services.voting import open_voting
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

from .factories import PASSWORD
from .forms import csrf_token_in

ROLES = ("anonymous", "participant", "other_participant", "owner", "co_facilitator", "other_facilitator",
         "administrator")


@dataclass
class Side:
    """The ids and the words of one workshop: the words must never reach a stranger."""
    id: int
    code: str
    question_ids: list[int]
    suggestion_ids: list[int]
    participant_id: int
    theme_id: int
    action_id: int
    invite_id: int
    invite_token: str
    owner_id: int
    photo_id: int = 0
    # A multiple-choice question (and one of its options) and a question to the panel.
    choice_question_id: int = 0
    choice_option_id: int = 0
    panel_question_id: int = 0
    panel_suggestion_id: int = 0
    answer_id: int = 0
    secrets: list[str] = field(default_factory=list)


@dataclass
class Role:
    cookie: str | None
    csrf: str


class World:
    """One app on a SQLite file, workshop A (ours) and workshop B (someone else's)."""

    def __init__(self, folder: Path):
        self.path = folder / "world.sqlite3"
        self.template = folder / "template.sqlite3"
        self.app = create_app(type("WorldConfig", (TestConfig,),
                                   {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.path}"}))
        with self.app.app_context():
            upgrade()
            self.ours, self.theirs, self.people, self.facilitator_ids = build_workshops()
        self.roles = {name: self.open_session(name) for name in ROLES}
        self.save_template()
        self.never_shown = self.credentials()
        # A workshop file as "Download JSON" makes it: what the import form takes.
        response = self.client("owner").get(f"/export/{self.ours.id}/minutes.json")
        self.workshop_file = response.get_data() if response.status_code == 200 else b"{}"
        self.restore()

    # --- sessions -------------------------------------------------------------------------

    def open_session(self, role: str) -> Role:
        client = self.app.test_client()
        if role in ("owner", "co_facilitator", "other_facilitator", "administrator"):
            page = client.get("/auth/login").get_data(as_text=True)
            response = client.post("/auth/login", data={
                "csrf_token": csrf_token_in(page), "email": self.people[role], "password": PASSWORD})
            assert response.status_code == 303, response.get_data(as_text=True)
            token_page = "/host/"
        elif role in ("participant", "other_participant"):
            side = self.ours if role == "participant" else self.theirs
            page = client.get(f"/j/{side.code}").get_data(as_text=True)
            name = "Pia Participant" if role == "participant" else "Quentin Bystander"
            response = client.post(f"/j/{side.code}/join", data={
                "csrf_token": csrf_token_in(page), "display_name": name, "table": "0"})
            assert response.status_code == 303, response.get_data(as_text=True)
            token_page = f"/j/{side.code}"
        else:
            token_page = "/auth/login"
        csrf = csrf_token_in(client.get(token_page).get_data(as_text=True))
        cookie = client.get_cookie("session")
        return Role(cookie.value if cookie else None, csrf)

    def credentials(self) -> list[str]:
        """What no page, fragment or export may ever contain: phones' tokens, password hashes, nonces."""
        with closing(sqlite3.connect(self.template)) as conn:
            rows = conn.execute("SELECT token FROM participants").fetchall()
            rows += conn.execute("SELECT password_hash FROM facilitators").fetchall()
            rows += conn.execute("SELECT session_nonce FROM facilitators").fetchall()
        return [value for (value,) in rows if value]

    def client(self, role: str):
        """A fresh test client carrying the role's session cookie."""
        client = self.app.test_client()
        cookie = self.roles[role].cookie
        if cookie:
            client.set_cookie("session", cookie, domain="localhost")
        return client

    # --- the database ---------------------------------------------------------------------

    def save_template(self) -> None:
        """Seed the participants' suggestions, then freeze the file as the template."""
        with self.app.app_context():
            seed_suggestions(self.ours, self.theirs)
            db.session.commit()
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            # Give the connection back before closing the pool: dispose() leaves checked-out
            # connections open, and one left open would see the file replaced under it.
            db.session.remove()
            db.engine.dispose()
        shutil.copyfile(self.path, self.template)

    def restore(self) -> None:
        with self.app.app_context():
            assert db.engine.pool.checkedout() == 0, "a connection is still out: it would see the file change"
            db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)

    def snapshot(self) -> dict[str, tuple[list[str], list[tuple]]]:
        """Every row of every table, with the column names: "nothing changed" means exactly that."""
        tables = {}
        with closing(sqlite3.connect(self.path)) as conn:
            names = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            for name in names:
                # Table names come from sqlite_master, not from a request.
                cursor = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')  # noqa: S608
                tables[name] = ([column[0] for column in cursor.description], cursor.fetchall())
        return tables

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def build_workshops():
    owner = create_facilitator("olga.owner@example.org", "Olga Owner", PASSWORD, locale="en")
    co = create_facilitator("carl.co@example.org", "Carl Cofacilitator", PASSWORD, locale="en")
    other = create_facilitator("otto.other@example.org", "Otto Other", PASSWORD, locale="en")
    # The installation's administrator, in neither workshop: what it may do, it may as administrator.
    admin = create_facilitator("ada.admin@example.org", "Ada Administrator", PASSWORD, locale="en",
                               role="administrator")
    ours = create_workshop(owner, WorkshopDetails(title="Aurora trail seminar", language="en",
                                                  place="Nordlys hut"),
                           ["Which trail should we mark first?", "Where should the new hut stand?",
                            "Which trail map do you prefer?", "Questions for the ranger"])
    add_member(ours, co)
    theirs = create_workshop(other, WorkshopDetails(title="Borealis budget meeting", language="en",
                                                    place="Town hall"),
                             ["How should the ferry money be spent?", "Who audits the budget?",
                              "Which ferry timetable do you prefer?", "Questions for the mayor"])
    for workshop, actor in ((ours, owner), (theirs, other)):
        set_table_count(actor, workshop, 2)
        change_status(workshop, "live")
        _text, _hut, choice, panel = workshop.questions
        set_question_kind(choice, KindSettings("choice", ["Paper map", "Phone map"]))
        set_question_kind(panel, KindSettings("qanda"))
        choice.is_open = panel.is_open = True
    db.session.commit()
    people = {"owner": owner.email, "co_facilitator": co.email, "other_facilitator": other.email,
              "administrator": admin.email}
    ids = {"owner": owner.id, "co_facilitator": co.id, "other_facilitator": other.id, "administrator": admin.id}
    return side_of(ours, owner), side_of(theirs, other), people, ids


def side_of(workshop: Workshop, owner) -> Side:
    return Side(id=workshop.id, code=workshop.join_code, question_ids=[q.id for q in workshop.questions],
                suggestion_ids=[], participant_id=0, theme_id=0, action_id=0, invite_id=0, invite_token="",
                owner_id=owner.id, secrets=[workshop.title, workshop.place] + [q.text for q in workshop.questions])


def small_jpeg() -> bytes:
    """A photo as a phone sends it, small enough for hundreds of requests."""
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (230, 220, 200)).save(output, "JPEG")
    return output.getvalue()


def seed_suggestions(*sides: Side) -> None:
    """Each workshop's participant sends two suggestions and photographs the table it hosts; a
    theme, an action, an open vote and an invitation complete what the routes act on."""
    words = {0: ("Mark the northern ridge trail first", "Paint the blazes orange", "Trail marking theme",
                 "Order orange trail paint"),
             1: ("Spend the ferry money on night departures", "Publish every receipt online",
                 "Ferry spending theme", "Ask the ferry company for prices")}
    for index, side in enumerate(sides):
        workshop = db.session.get(Workshop, side.id)
        owner = workshop.owner
        participant = db.session.scalar(db.select(Participant).where(Participant.workshop_id == side.id))
        question = db.session.get(Question, side.question_ids[0])
        first_text, second_text, theme_name, action_text = words[index]
        first, _ = submit_suggestion(participant, question, first_text, f"seed-{index}-1")
        second, _ = submit_suggestion(participant, question, second_text, f"seed-{index}-2")
        theme = create_theme(owner, workshop, theme_name, question)
        action = create_action(owner, workshop, action_text, "Olga", None, suggestion=first)
        open_voting(owner, question)
        invite = create_invite(owner, workshop)
        # The participant hosts table 1 and has photographed its cloth.
        seat(participant, workshop.tables[0])
        set_role(participant, "host")
        photo, _ = add_photo(participant, small_jpeg(), f"Cloth of {theme_name}", f"seed-photo-{index}")
        side.photo_id = photo.id
        choice, panel = (db.session.get(Question, question_id) for question_id in side.question_ids[2:4])
        asked, _ = submit_suggestion(participant, panel, f"Who pays for {theme_name}?", f"seed-{index}-panel")
        side.choice_question_id, side.choice_option_id = choice.id, choice.options[0].id
        side.panel_question_id, side.panel_suggestion_id = panel.id, asked.id
        side.answer_id = submit_answer(participant, choice, {choice.options[1].id: 1}, client_id=f"seed-{index}-a")[0].id
        side.secrets.append(asked.text)
        side.suggestion_ids = [first.id, second.id]
        side.participant_id = participant.id
        side.theme_id, side.action_id = theme.id, action.id
        side.invite_id, side.invite_token = invite.id, invite.token
        side.secrets += [first_text, second_text, theme_name, action_text, participant.display_name,
                         participant.token, invite.token]
