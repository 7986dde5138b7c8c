"""Ranking by drag and drop on a phone (390×844), in Chromium: with a mouse, with a finger (real
touch input through the DevTools protocol, so the browser's own touch-action handling decides
whether the page scrolls or the row moves) and on a list longer than the screen (the page scrolls
while the finger is held near the edge). After a drop the numbers follow the order, the move is
said in a live region in the phone's language, and what is sent is what the server stores.
Screenshots land in tests/artifacts/test_ranking_drag."""
from __future__ import annotations

import sqlite3

import pytest

from support.browser import PHONE
from .test_accessibility import Report, create_workshop, join, set_up_facilitator, wait_online
from .test_question_kinds import add_question, answer_block, question_item, show

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHORT = ("Hva bør kommunen gjøre først?", ["Buss", "Sykkel", "Gange", "Tog", "Bildeling"])
# Twelve options long enough to wrap: the list is taller than the phone's screen.
LONG = ("Hvilke tiltak er viktigst for bygda?",
        [f"Tiltak {n}: et lengre forslag fra bordene om hva kommunen kan gjøre for folk som bor langt "
         f"fra sentrum" for n in range(1, 13)])


@pytest.fixture(scope="module")
def room(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    console = context.new_page()
    set_up_facilitator(console, live_server.url)
    workshop = create_workshop(console, live_server.url, "Rangering", ["Hva tenker dere?"], language="nb")
    for text, options in (SHORT, LONG):
        add_question(console, text, {"kind": "ranking", "options": "\n".join(options)})
    yield console, workshop
    context.close()


def on_screen(console, text: str) -> None:
    """The question on the phones (and the projector), unless it is there already. A fresh console:
    the answers of an earlier test refresh it, and a click during that swap would be lost."""
    console.reload()
    if not question_item(console, text).locator(".badge.on-screen").count():
        show(console, text)


def phone_page(chromium, live_server, code, **options):
    settings = {**PHONE, **options}
    page = chromium.new_context(**settings, locale="nb-NO", bypass_csp=True).new_page()
    join(page, live_server.url, code)
    return page


def labels(block) -> list[str]:
    return [text.strip() for text in block.locator(".rank-row label").all_inner_texts()]


def places(block) -> dict[str, str]:
    """Each option's number, as the form would send it."""
    return block.evaluate("""b => Object.fromEntries([...b.querySelectorAll('.rank-row')].map(
        r => [r.querySelector('label').textContent.trim(), r.querySelector('select').value]))""")


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def stored_order(live_server, question_text: str) -> list[list[str]]:
    """Every stored answer to the question, each as its options from place 1 down."""
    path = live_server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT a.id, o.text FROM answers a JOIN answer_items i ON i.answer_id = a.id "
            "JOIN question_options o ON o.id = i.option_id JOIN questions q ON q.id = a.question_id "
            "WHERE q.text = ? ORDER BY a.id, i.value", (question_text,)).fetchall()
    answers: dict[int, list[str]] = {}
    for answer_id, text in rows:
        answers.setdefault(answer_id, []).append(text)
    return list(answers.values())


def send_and_wait(phone, block) -> None:
    block.locator("button[type=submit]").click()
    phone.locator(".phone-results [data-testid=ranking-chart]").wait_for()


class Touch:
    """One finger on the screen, as the phone's touch screen reports it (CSS pixels)."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)

    def _send(self, kind: str, x: float = 0, y: float = 0) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def down(self, x, y):
        self._send("touchStart", x, y)

    def move(self, x, y):
        self._send("touchMove", x, y)

    def up(self):
        self._send("touchEnd")


def test_a_mouse_drags_the_last_option_to_the_top(chromium, live_server, room, shots):
    console, workshop = room
    text, options = SHORT
    on_screen(console, text)
    # No touch and reduced motion asked: the lifted row is not scaled and the drop does not flash.
    phone = phone_page(chromium, live_server, workshop.code, has_touch=False, is_mobile=False,
                       reduced_motion="reduce")
    wait_online(phone)
    block = answer_block(phone, text)
    assert labels(block) == options
    handles = block.locator(".rank-handle")
    box = handles.last.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box

    # The focus is on the last option's "move up" button before the drag: it stays there after.
    last_up = block.locator(".rank-row").last.locator("[data-move=up]")
    last_up.focus()
    x, y = centre(handles.last)
    top_y = handles.first.bounding_box()["y"] + 4
    phone.mouse.move(x, y)
    phone.mouse.down()
    phone.mouse.move(x, top_y, steps=12)
    lifted = block.locator(".rank-row.rank-lifted")
    assert lifted.count() == 1 and "Bildeling" in lifted.inner_text()
    assert lifted.evaluate("r => getComputedStyle(r).transform") == "none"
    # The placeholder stands where the row will land: first.
    assert block.evaluate("b => b.querySelector('.rank-placeholder').nextElementSibling"
                          ".querySelector('label').textContent.trim()") == "Buss"
    shots(phone, "mouse-mid-drag")
    phone.mouse.up()

    assert labels(block) == ["Bildeling", "Buss", "Sykkel", "Gange", "Tog"]
    assert places(block) == {"Bildeling": "1", "Buss": "2", "Sykkel": "3", "Gange": "4", "Tog": "5"}
    assert [s.input_value() for s in block.locator("select").all()] == ["1", "2", "3", "4", "5"]
    assert block.locator("[data-rank-announce]").inner_text().strip() == "Flyttet «Bildeling» til plass 1 av 5."
    assert block.locator(".rank-placeholder").count() == 0 and lifted.count() == 0
    assert phone.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Flytt opp: Bildeling"
    assert block.locator(".rank-dropped").count() == 0, "no flash when reduced motion is asked"
    shots(phone, "mouse-dropped")

    # The move buttons say their moves too.
    block.locator(".rank-row").nth(1).locator("[data-move=down]").click()
    assert block.locator("[data-rank-announce]").inner_text().strip() == "Flyttet «Buss» til plass 3 av 5."
    block.locator(".rank-row").nth(2).locator("[data-move=up]").click()

    send_and_wait(phone, block)
    assert stored_order(live_server, text)[-1] == ["Bildeling", "Buss", "Sykkel", "Gange", "Tog"]
    # The block the server sends back lists the options in the order stored.
    assert labels(block) == ["Bildeling", "Buss", "Sykkel", "Gange", "Tog"]
    shots(phone, "mouse-sent", full_page=True)
    report = Report()
    report.check(phone, "phone, ranking by drag and drop")
    report.assert_clean()


def test_a_finger_drags_an_option_up_and_the_page_does_not_scroll(chromium, live_server, room, shots):
    console, workshop = room
    text, options = SHORT
    on_screen(console, text)
    phone = phone_page(chromium, live_server, workshop.code)
    wait_online(phone)
    block = answer_block(phone, text)
    block.scroll_into_view_if_needed()
    scrolled = phone.evaluate("() => window.scrollY")
    touch = Touch(phone)
    x, y = centre(block.locator(".rank-handle").last)
    target_y = block.locator(".rank-row").nth(1).bounding_box()["y"] + 6
    touch.down(x, y)
    for step in range(1, 11):
        touch.move(x, y + (target_y - y) * step / 10)
    lifted = block.locator(".rank-row.rank-lifted")
    assert lifted.count() == 1
    assert lifted.evaluate("r => getComputedStyle(r).transform") != "none", "lifted a little when motion is welcome"
    shots(phone, "touch-mid-drag")
    touch.up()

    assert phone.evaluate("() => window.scrollY") == scrolled, "the finger moved the row, not the page"
    assert labels(block) == ["Buss", "Bildeling", "Sykkel", "Gange", "Tog"]
    assert places(block) == {"Buss": "1", "Bildeling": "2", "Sykkel": "3", "Gange": "4", "Tog": "5"}
    assert block.locator("[data-rank-announce]").inner_text().strip() == "Flyttet «Bildeling» til plass 2 av 5."
    shots(phone, "touch-dropped")
    send_and_wait(phone, block)
    assert stored_order(live_server, text)[-1] == ["Buss", "Bildeling", "Sykkel", "Gange", "Tog"]

    # A reload shows the stored order, and the next drag starts from it.
    phone.reload()
    block = answer_block(phone, text)
    assert labels(block) == ["Buss", "Bildeling", "Sykkel", "Gange", "Tog"]


def test_a_list_longer_than_the_screen_scrolls_while_the_finger_waits_at_the_edge(chromium, live_server, room,
                                                                                   shots):
    console, workshop = room
    text, options = LONG
    on_screen(console, text)
    phone = phone_page(chromium, live_server, workshop.code)
    wait_online(phone)
    block = answer_block(phone, text)
    fieldset = block.locator("fieldset[data-ranking]").bounding_box()
    assert fieldset["height"] > PHONE["viewport"]["height"], "the list must be longer than the screen"
    last = block.locator(".rank-handle").last
    last.scroll_into_view_if_needed()
    start_scroll = phone.evaluate("() => window.scrollY")
    assert start_scroll > 300
    touch = Touch(phone)
    x, y = centre(last)
    touch.down(x, y)
    for step in range(1, 9):
        touch.move(x, y + (10 - y) * step / 8)
    # The finger rests near the top edge: the page scrolls up to its top by itself.
    phone.wait_for_function("() => window.scrollY === 0", timeout=10000)
    shots(phone, "long-mid-drag")
    touch.move(x, 12)
    touch.up()

    expected = [options[-1], *options[:-1]]
    assert labels(block) == expected
    assert block.locator("select").first.input_value() == "1"
    assert block.locator("select").last.input_value() == "12"
    assert block.locator("[data-rank-announce]").inner_text().strip() == f"Flyttet «{options[-1]}» til plass 1 av 12."
    shots(phone, "long-dropped")
    send_and_wait(phone, block)
    assert stored_order(live_server, text)[-1] == expected


def test_without_javascript_the_numbers_rank(chromium, live_server, room):
    console, workshop = room
    text, options = SHORT
    on_screen(console, text)
    phone = phone_page(chromium, live_server, workshop.code, java_script_enabled=False)
    block = answer_block(phone, text)
    assert block.locator(".rank-handle").count() == 0
    for option, place in zip(options, ("5", "4", "3", "2", "1"), strict=True):
        block.locator(".rank-row", has_text=option).locator("select").select_option(place)
    block.locator("button[type=submit]").click()
    phone.wait_for_selector(".flash")
    assert stored_order(live_server, text)[-1] == list(reversed(options))
