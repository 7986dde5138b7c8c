"""The projector on a 1920×1080 wall, in Chromium: every view of a 19-item question fits the wall
(pages that turn by themselves, with a page indicator), a live push keeps the page it is on, a
pinned item stands out, and a workshop that closes says so and points to its results, all
without a reload.

Screenshots land in tests/artifacts/test_projector/ (ignored by git): look at them.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from facilitator import create_app
from facilitator.demo import THEMES
from facilitator.extensions import db
from facilitator.services.accounts import create_facilitator
from facilitator.services.moderation import set_pinned
from facilitator.services.participants import join_workshop
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.themes import assign_theme, create_theme
from facilitator.services.voting import open_voting, set_dots, set_vote_settings
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

from .conftest import LAPTOP, PROJECTOR
from .test_core_loop import assert_not_reloaded, mark_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL, PASSWORD = "projektor@example.org", "et passord som er langt"
QUESTION = "Hva kan servicetorga gjøre for å få tilflyttere til å komme og til å bli?"
# The canonical seminar's second question: nineteen suggestions.
SUGGESTIONS = [
    "Gjøre et bra førsteinntrykk", "Formidle stolthet over kommunen vår",
    "Bevisstgjøre for de fastboende om behovet for innflyttere", "Være ambassadører for regionen",
    "Presentere, fortelle om kommunen, spørre om interesser", "Avklare forventninger",
    "Må føle seg velkommen og sett", "Info om tilbud og aktiviteter",
    "Etablere \"treff-punkt\" for å etablere nettverk", "Jevnlige innflytter-møter", "Innflytterdager",
    "Infobrev/velkomstbrev", "Velkomstpakke", "Innflytterfadder", "Praktisk assistanse",
    "Oppfølging av infobrev", "Oppfølging av tilflyttere etter en tid", "Oppfylle det man har lovet",
    "Invitere til dugnad - oppmuntre lag og foreninger til å gjøre det",
]
PINNED = "Velkomstpakke"


def seed(database_url: str, title: str) -> SimpleNamespace:
    """A live workshop in Norwegian with the nineteen suggestions, every one with dots, in themes."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SOCKETIO_ASYNC_MODE": "threading",
                      "PREPARE_PDFS": False})
    with app.app_context():
        from facilitator.models import Facilitator
        owner = (db.session.scalar(db.select(Facilitator).where(Facilitator.email == EMAIL))
                 or create_facilitator(EMAIL, "Turid Hilde Gåsbakk", PASSWORD, locale="en"))
        workshop = create_workshop(owner, WorkshopDetails(title=title, language="nb"), [QUESTION])
        change_status(workshop, "live")
        question = workshop.questions[0]
        workshop.current_question_id = question.id
        people = [join_workshop(workshop) for _ in range(36)]
        items = {text: submit_suggestion(people[i], question, text)[0] for i, text in enumerate(SUGGESTIONS)}
        set_vote_settings(owner, workshop, 10, 3)
        open_voting(owner, question)
        for index, item in enumerate(items.values()):
            for k in range(1 + index * 7 % 5):
                set_dots(people[(index * 5 + k) % len(people)], item, 1)
        for name, texts in THEMES.items():
            theme = create_theme(owner, workshop, name, question)
            for text in texts:
                if text in items:
                    assign_theme(owner, items[text], theme)
        set_pinned(owner, items[PINNED], True)
        db.session.commit()
        made = SimpleNamespace(code=workshop.join_code, id=workshop.id)
    with app.app_context():
        db.engine.dispose()
    return made


@pytest.fixture(scope="module")
def wall(chromium, live_server):
    """A logged-in laptop with a console page and a projector page at 1920×1080."""
    laptop = chromium.new_context(**LAPTOP)
    console = laptop.new_page()
    first = seed(live_server.env["DATABASE_URL"], "Regional samling for servicetorga i Hallingdal")
    console.goto(live_server.url + "/auth/login")
    console.fill("#email", EMAIL)
    console.fill("#password", PASSWORD)
    with console.expect_navigation():
        console.click("main button[type=submit]")
    assert "/auth/" not in console.url, "the log-in failed"
    yield SimpleNamespace(base=live_server.url, laptop=laptop, console=console, code=first.code,
                          database_url=live_server.env["DATABASE_URL"])
    laptop.close()


def open_projector(wall, code):
    projector = wall.laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{wall.base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(projector)
    return projector


def test_closing_the_workshop_switches_the_projector_live(wall, shots):
    workshop = seed(wall.database_url, "Kafédialog som avsluttes")
    code = workshop.code
    projector = open_projector(wall, code)
    assert projector.locator(".projector-join").is_visible()
    workshop_url = f"{wall.base}/host/workshops/{workshop.id}"
    wall.console.goto(workshop_url + "/cafe")
    wall.console.fill("#round-minutes", "20")
    with wall.console.expect_navigation():
        wall.console.click("form[action$='/cafe/rounds'] button[type=submit]")
    projector.locator("#stage .countdown [data-clock]").wait_for()

    wall.console.goto(workshop_url)
    with wall.console.expect_navigation():
        wall.console.click("button:has-text('Close workshop')")
    projector.locator("#stage.stage-closed [data-testid=closed-note]").wait_for(timeout=15000)
    assert not projector.locator(".countdown").count()
    assert not projector.locator(".projector-join").is_visible()  # no join code, no join QR
    pointer = projector.locator("[data-testid=results-pointer]")
    pointer.wait_for()
    assert f"{wall.base.split('://')[1]}/j/{code}/results" in pointer.inner_text().replace("\u200b", "")
    box = pointer.locator(".join-qr").bounding_box()
    assert box and box["width"] > 200 and box["y"] + box["height"] <= 1080
    shots(projector, "closed-results-public")

    # Private results: the wall says nothing about them, again without a reload.
    wall.console.goto(workshop_url)
    wall.console.check("#results-private")
    with wall.console.expect_navigation():
        wall.console.click("form[action$='/results-page'] button[type=submit]")
    pointer.wait_for(state="hidden", timeout=15000)
    assert projector.locator("[data-testid=closed-note]").is_visible()
    shots(projector, "closed-results-private")
    assert_not_reloaded(projector)

