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
from facilitator.services.demo import THEMES
from facilitator.infra.extensions import db
from facilitator.services.accounts import create_facilitator
from facilitator.services.moderation import set_pinned
from facilitator.services.participants import join_workshop
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.themes import assign_theme, create_theme
from facilitator.services.voting import open_voting, set_dots, set_vote_settings
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

from support.browser import LAPTOP, PROJECTOR
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
    yield SimpleNamespace(base=live_server.url, laptop=laptop, console=console, first=first,
                          database_url=live_server.env["DATABASE_URL"])
    laptop.close()


def open_projector(wall, code, clock=False):
    projector = wall.laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    if clock:  # the test turns the pages itself instead of waiting for them
        projector.clock.install()
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



ON_THE_WALL = """() => {
    const stage = document.getElementById('stage'), edge = stage.getBoundingClientRect();
    const pages = stage.querySelector('[data-stage-pages]');
    const items = [...stage.querySelectorAll('.stage-suggestions > li, .tally > li')]
        .filter(item => item.getClientRects().length);
    return {
        indicator: pages && !pages.hidden ? pages.querySelector('[aria-hidden]').textContent : '',
        indicatorTop: pages && !pages.hidden ? pages.getBoundingClientRect().top : edge.bottom,
        stageBottom: edge.bottom,
        items: items.map(item => {
            const box = item.getBoundingClientRect(), text = item.querySelector('.tally-text') || item;
            return {text: text.innerText.replace(/^\\d+\\.\\s*/, '').trim(), top: box.top, bottom: box.bottom,
                    left: box.left, right: box.right, font: parseFloat(getComputedStyle(item).fontSize)};
        }),
    };
}"""


def show_view(wall, workshop, view, group="none"):
    wall.console.goto(f"{wall.base}/host/workshops/{workshop.id}/suggestions")
    wall.console.check(f"input[name=view][value={view}]")
    wall.console.check(f"input[name=group][value={group}]")
    with wall.console.expect_navigation():
        wall.console.click(".projector-form button[type=submit]")


def read_every_page(projector, shots, name):
    """Each page's items, checked to sit whole on the wall, turning the pages by the clock."""
    pages = []
    while True:
        wall = projector.evaluate(ON_THE_WALL)
        assert wall["items"], "nothing on the wall"
        for item in wall["items"]:
            assert item["top"] >= 0 and item["left"] >= 0 and item["right"] <= 1920, item
            assert item["bottom"] <= min(1080, wall["indicatorTop"]), item  # never under the indicator
            assert item["font"] >= 27, item  # legible from the back row
        number = len(pages) + 1
        shots(projector, f"{name}-page-{number}")
        pages.append([item["text"] for item in wall["items"]])
        if not wall["indicator"]:
            return pages
        total = int(wall["indicator"].split("/")[1])
        assert wall["indicator"] == f"{number}/{total}"
        if number == total:
            return pages
        projector.clock.run_for(12_500)
        projector.wait_for_function("(n) => document.querySelector('[data-stage-pages] [aria-hidden]')"
                                    ".textContent.startsWith(n + '/')", arg=number + 1)
        projector.clock.run_for(1_000)
        projector.wait_for_timeout(600)  # the next page has moved in: screenshot it at rest


@pytest.mark.parametrize("view, group", [("list", "none"), ("list", "theme"), ("tally", "none"),
                                         ("ranking", "none")])
def test_every_view_of_nineteen_items_fits_the_wall(wall, shots, view, group):
    show_view(wall, wall.first, view, group)
    projector = open_projector(wall, wall.first.code, clock=True)
    pages = read_every_page(projector, shots, f"{view}-{group}")
    shown = [text for page in pages for text in page]
    # Every suggestion once (each has dots, so the ranking lists them all), none twice.
    assert sorted(shown) == sorted(SUGGESTIONS), (view, group, pages)
    assert len(pages) > 1, "nineteen items fit one page: make the test's list longer"
    if view == "ranking":
        numbers = projector.evaluate("""() => [...document.querySelectorAll('.tally-rank')]
            .filter(rank => rank.getClientRects().length).map(rank => rank.textContent)""")
        assert numbers and numbers[0] != "1.", "the last page numbers on from the first"
    projector.close()


def test_a_push_keeps_the_page_the_wall_is_on(wall, shots):
    show_view(wall, wall.first, "list", "theme")
    projector = open_projector(wall, wall.first.code, clock=True)
    projector.clock.run_for(12_500)
    projector.wait_for_function("() => document.querySelector('[data-stage-pages] [aria-hidden]')"
                                ".textContent.startsWith('2/')")
    before = projector.evaluate(ON_THE_WALL)
    projector.evaluate("document.getElementById('stage').dataset.old = '1'")
    show_view(wall, wall.first, "list", "theme")  # the same view again: a new stage is pushed
    projector.wait_for_selector("#stage:not([data-old])", timeout=15000)
    after = projector.evaluate(ON_THE_WALL)
    assert after["indicator"] == before["indicator"]
    assert [i["text"] for i in after["items"]] == [i["text"] for i in before["items"]]
    # What was on the wall before the push does not move in again (no flicker).
    assert projector.evaluate("""() => [...document.querySelectorAll('#stage .suggestion')]
        .filter(item => item.getClientRects().length)
        .every(item => getComputedStyle(item).animationName === 'none')""")
    assert_not_reloaded(projector)
    projector.close()


def test_a_pinned_item_stands_out_on_the_wall(wall, shots):
    show_view(wall, wall.first, "list", "none")
    projector = open_projector(wall, wall.first.code)
    style = """(item) => { const s = getComputedStyle(item);
        return {left: parseFloat(s.borderLeftWidth), background: s.backgroundColor, weight: s.fontWeight}; }"""
    pinned = projector.locator("#stage .suggestion.pinned", has_text=PINNED).evaluate(style)
    other = projector.locator("#stage .suggestion:not(.pinned)").first.evaluate(style)
    assert pinned["left"] >= 3 * other["left"] and pinned["left"] >= 10, (pinned, other)
    assert pinned["background"] != other["background"] and int(pinned["weight"]) >= 700
    shots(projector, "pinned")
    projector.close()
